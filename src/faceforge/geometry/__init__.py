"""Geometry shared by the effects: alignment of landmark sets and dense landmark-driven warps."""
