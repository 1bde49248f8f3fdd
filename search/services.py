"""Changing the search index: full rebuilds (signals keep it current between them)."""

from modelsearch.backends import get_search_backend
from modelsearch.index import get_indexed_models

DEFAULT_CHUNK_SIZE = 500


def _models_by_index(backend):
    groups = {}
    for model in get_indexed_models():
        index = backend.get_index_for_model(model)
        groups.setdefault(index.get_key(), (index, []))[1].append(model)
    return list(groups.values())


def index_rebuild(*, backend_name="default", chunk_size=DEFAULT_CHUNK_SIZE):
    """Rebuild every index of a backend; yields (done, total, label) as it goes.

    The backend's rebuilder decides how searches are kept answered meanwhile:
    one transaction on the database, a new index swapped in by alias on Elasticsearch.
    """
    backend = get_search_backend(backend_name)
    groups = _models_by_index(backend)
    total = sum(model.get_indexed_objects().count() for _index, models in groups for model in models)
    done = 0
    yield done, total, "开始"
    for index, models in groups:
        rebuilder = backend.rebuilder_class(index) if backend.rebuilder_class else None
        target = rebuilder.start() if rebuilder else index
        for model in models:
            target.add_model(model)
        for model in models:
            label = f"{model._meta.app_label}.{model.__name__}"
            queryset = model.get_indexed_objects().order_by("pk")
            for start in range(0, queryset.count(), chunk_size):
                chunk = list(queryset[start : start + chunk_size])
                target.add_items(model, chunk)
                done += len(chunk)
                yield done, total, label
        if rebuilder:
            rebuilder.finish()
    yield done, total, "完成"
