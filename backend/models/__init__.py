"""Models: the catalogue of GGUF files the app can load, and downloads into the models folder.

``ModelCatalogue`` scans the models folders, links files in place, reads GGUF metadata without
loading tensors, keeps per-model load settings and estimates whether a model fits in memory.
``DownloadManager`` (``_download``) fetches a GGUF over HTTP with progress, cancel, resume and
checksum: ``_download_http`` is one HTTP attempt (range request, free space, what is retried),
``_download_files`` what stays on disk (part file, sidecar) and the move into place,
``_download_job`` one download's state and how each change is reported.
"""

from backend.models._catalogue import (
    Model,
    ModelCatalogue,
    ModelsCallback,
    ModelSource,
    model_id,
)
from backend.models._download import DownloadManager
from backend.models._download_http import DiskFree
from backend.models._download_job import DownloadState, DownloadStatus, ProgressCallback
from backend.models._fit import FitEstimate
from backend.models._settings import ModelLoadSettings

__all__ = [
    "DiskFree",
    "DownloadManager",
    "DownloadState",
    "DownloadStatus",
    "FitEstimate",
    "Model",
    "ModelCatalogue",
    "ModelLoadSettings",
    "ModelSource",
    "ModelsCallback",
    "ProgressCallback",
    "model_id",
]
