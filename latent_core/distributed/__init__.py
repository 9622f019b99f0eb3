"""Past one machine: encode a folder, zip, Parquet table or IDX file of images on a cluster, map the codes, and
read the map back in pieces.

    encode_to_parquet(data, model, "codes.parquet", EncodeConfig(on_error="skip"), ClusterConfig(workers=2))
    project_to_parquet("codes.parquet", "map.parquet", ProjectionConfig(method="umap"), sample=50_000)
    MapFile("map.parquet").density(), .sample(20_000), .inverse(), .source_image(index, source)

The cluster engine (Dask's distributed scheduler) is used only in engine.py.
"""

from .encode import EncodeConfig, EncodeResult, encode_to_parquet
from .engine import ClusterConfig, open_engine
from .maps import MapFile, MapInverse
from .project import MapResult, project_to_parquet
from .sources import open_source

__all__ = [
    "ClusterConfig",
    "EncodeConfig",
    "EncodeResult",
    "MapFile",
    "MapInverse",
    "MapResult",
    "encode_to_parquet",
    "open_engine",
    "open_source",
    "project_to_parquet",
]
