"""Models: the GGUF files the app can load, which one is loaded, and downloads.

* ``_catalogue``: ``ModelCatalogue`` scans the models folders, links files in place, keeps
  per-model load settings and estimates whether a model fits in memory (``_model`` is one
  listed model, ``_files`` finds, groups and deletes the files, ``_gguf`` reads their metadata
  without loading tensors, ``_projector`` recognises vision projectors and pairs each model with
  its own, ``_draft`` checks that a draft model shares a model's vocabulary, ``_fit``
  estimates, ``_settings`` is a model's load settings, ``_jsonfile`` the catalogue's own files,
  ``_folder_watch`` rescans the folders when inotify says they changed);
* ``_selection``: ``ModelService`` decides which model is loaded and which loads next, with
  rollback when a load fails, the router's plan and each model's load state; it owns the
  ``ServerMonitor`` that runs the choice;
* ``_download``: ``DownloadManager`` fetches a GGUF over HTTP with progress, cancel, resume and
  checksum: ``_download_http`` is one HTTP attempt (range request, free space, what is retried),
  ``_download_files`` what stays on disk (part file, sidecar) and the move into place,
  ``_download_job`` one download's state and how each change is reported.
"""

from backend.models._catalogue import ModelCatalogue, ModelsCallback
from backend.models._download import DownloadManager
from backend.models._download_http import DiskFree
from backend.models._download_job import DownloadState, DownloadStatus, ProgressCallback
from backend.models._fit import FitEstimate, format_bytes
from backend.models._folder_watch import watch_folders
from backend.models._model import Model, ModelSource, model_id
from backend.models._selection import ModelService, launch_engine, plan_router, with_load_states
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
    "ModelService",
    "ModelSource",
    "ModelsCallback",
    "ProgressCallback",
    "format_bytes",
    "launch_engine",
    "model_id",
    "plan_router",
    "watch_folders",
    "with_load_states",
]
