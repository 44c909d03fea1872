"""Files a snippet would otherwise download, found where the library itself looks.

``keras:<application>`` names an application's default ImageNet weights;
``keras:<file name>`` names any file Keras keeps in ``$KERAS_HOME/models/``.
Nothing here touches the network except :func:`fetch_missing`.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.errors import Diagnostic, Location
from generator.escape import escape
from generator.model import Question

KERAS_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"

#: application → (folder under KERAS_BASE, default weights file with the classifier top)
KERAS_APPLICATIONS: dict[str, tuple[str, str]] = {
    "mobilenet_v2": ("mobilenet_v2", "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5"),
    "mobilenet": ("mobilenet", "mobilenet_1_0_224_tf.h5"),
    "resnet50": ("resnet", "resnet50_weights_tf_dim_ordering_tf_kernels.h5"),
    "vgg16": ("vgg16", "vgg16_weights_tf_dim_ordering_tf_kernels.h5"),
    "vgg19": ("vgg19", "vgg19_weights_tf_dim_ordering_tf_kernels.h5"),
    "inception_v3": ("inception_v3", "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"),
    "efficientnetb0": ("", "efficientnetb0.h5"),
    "densenet121": ("densenet", "densenet121_weights_tf_dim_ordering_tf_kernels.h5"),
    "xception": ("xception", "xception_weights_tf_dim_ordering_tf_kernels.h5"),
}
#: file-name prefix → folder under KERAS_BASE, for ``keras:<file name>`` resources
_FOLDERS = (
    ("mobilenet_v2", "mobilenet_v2"),
    ("mobilenet_", "mobilenet"),
    ("resnet", "resnet"),
    ("vgg16", "vgg16"),
    ("vgg19", "vgg19"),
    ("inception_v3", "inception_v3"),
    ("densenet", "densenet"),
    ("xception", "xception"),
    ("efficientnet", ""),
)


def keras_home() -> Path:
    """Where Keras keeps its files: ``$KERAS_HOME``, else ``~/.keras``."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")


def keras_models() -> Path:
    """The folder Keras caches downloaded weights in."""
    return keras_home() / "models"


@dataclass(frozen=True)
class Resource:
    """One declared resource and where it lives."""

    name: str
    """As written, e.g. ``keras:mobilenet_v2``."""
    filename: str
    url: str

    @property
    def path(self) -> Path:
        """Where the file is looked up (never written by a snippet)."""
        return keras_models() / self.filename

    def available(self) -> bool:
        """Whether the file is in the local cache."""
        return self.path.is_file()

    def digest(self) -> str:
        """A hash of the file's content, for the results cache."""
        h = hashlib.sha256()
        with self.path.open("rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
        return h.hexdigest()


def resolve(name: str) -> Resource:
    """The resource a ``resources`` entry names (the schema limits entries to ``keras:...``)."""
    key = name.split(":", 1)[1]
    if key in KERAS_APPLICATIONS:
        folder, filename = KERAS_APPLICATIONS[key]
    else:
        filename = key
        folder = next((f for prefix, f in _FOLDERS if key.startswith(prefix)), "")
    url = KERAS_BASE + (f"{folder}/" if folder else "") + filename
    return Resource(name, filename, url)


def missing(question: Question) -> list[Resource]:
    """The question's resources that are not cached locally."""
    if question.verify is None:
        return []
    return [r for r in map(resolve, question.verify.resources) if not r.available()]


def _download(resource: Resource) -> None:
    resource.path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=resource.path.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(resource.url, timeout=30) as src:
            shutil.copyfileobj(src, out)
        os.replace(tmp, resource.path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def fetch_missing(questions: Iterable[Question]) -> list[Diagnostic]:
    """Download every missing resource; a diagnostic for each one that cannot be had."""
    problems: list[Diagnostic] = []
    done: set[str] = set()
    for q in questions:
        for resource in missing(q):
            if resource.filename in done:
                continue
            done.add(resource.filename)
            try:
                _download(resource)
                print(f"fetched {resource.name} → {escape(str(resource.path))}", file=sys.stderr)
            except (OSError, urllib.error.URLError, http.client.HTTPException, ValueError) as exc:
                reason = getattr(exc, "reason", None) or exc
                problems.append(
                    Diagnostic(
                        _where(q, resource),
                        "missing-requirement",
                        f"cannot download {resource.name} from {resource.url} ({reason}); "
                        f"without a network, copy the file to {resource.path}",
                        q.pattern_id,
                        q.id,
                    )
                )
    return problems


def _where(question: Question, resource: Resource) -> Location:
    """The ``resources`` entry that names ``resource``."""
    verify = question.verify
    if verify is None:  # pragma: no cover - missing() only lists resources of a verify block
        return question.location
    names = list(verify.resources)
    if resource.name in names and len(verify.resource_locations) == len(names):
        return verify.resource_locations[names.index(resource.name)]
    return verify.location


class _Digests:
    """Content hashes of resource files, computed once per file version per process."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, int, int], str] = {}

    def __call__(self, name: str) -> str:
        resource = resolve(name)
        stat = resource.path.stat()
        key = (str(resource.path), stat.st_size, stat.st_mtime_ns)
        if key not in self._known:
            self._known[key] = resource.digest()
        return self._known[key]


#: The content hash of a resource file (by name), for the results cache key.
digest = _Digests()
