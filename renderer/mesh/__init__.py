"""Triangle meshes for 3D objects: loading, procedural builders, camera, ray casting, shading.

Needs the ``[3d]`` extra (trimesh, embreex, shapely, mapbox-earcut); 2D scenes never import it.
"""
