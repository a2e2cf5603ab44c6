"""The add-on's face in Blender: preferences, operators and the sidebar panel."""
