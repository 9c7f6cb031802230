"""Effects: each one a module that takes frames and faces and returns frames (see STYLE.md)."""
