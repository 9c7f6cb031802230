from faceforge.cli import run

run()
