"""An in-memory Elasticsearch that speaks the HTTP API at the transport level.

No Elasticsearch server can run on these machines. This node plugs into the real
``elasticsearch`` client (``node_class=``), so every request goes through the
client's own serialisation: tests see the exact method, path and JSON body sent,
and get back responses shaped as the Elasticsearch 8 REST API documents them.
It evaluates the subset of the query DSL the backend uses (bool, constant_score,
term, terms, prefix, range, exists, match_all, match_none; sort; terms and filters aggregations;
_count)
so the same evaluation set can run through the Elasticsearch code path.
"""

import json
from urllib.parse import parse_qs, unquote, urlsplit

from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders
from elastic_transport._node import NodeApiResponse


class FakeCluster:
    """The state one fake server holds: indices, aliases, and a log of requests."""

    def __init__(self):
        self.indices = {}  # name -> {"mappings": ..., "settings": ..., "docs": {id: source}}
        self.aliases = {}  # alias -> set(index names)
        self.requests = []  # (method, path, query, body)

    def resolve(self, name):
        names = []
        for part in name.split(","):
            names.extend(sorted(self.aliases.get(part, {part} if part in self.indices else set())))
        return names

    # -- request handling ------------------------------------------------------------------------------------------

    def handle(self, method, target, body):
        url = urlsplit(target)
        path = unquote(url.path)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        parsed = self._parse(path, body)
        self.requests.append((method, path, query, parsed))
        parts = [part for part in path.split("/") if part]
        if method == "HEAD" and parts[:1] == ["_alias"]:
            return (200, {}) if parts[1] in self.aliases else (404, {})
        if method == "GET" and parts[:1] == ["_alias"]:
            if parts[1] not in self.aliases:
                return 404, {"error": f"alias [{parts[1]}] missing", "status": 404}
            return 200, {index: {"aliases": {parts[1]: {}}} for index in sorted(self.aliases[parts[1]])}
        if method == "POST" and parts == ["_aliases"]:
            return self._update_aliases(parsed["actions"])
        if method in ("PUT", "POST") and parts == ["_bulk"]:
            return self._bulk(parsed)
        if method == "PUT" and len(parts) == 1:
            self.indices[parts[0]] = {"mappings": parsed.get("mappings"), "settings": parsed.get("settings"), "docs": {}}
            return 200, {"acknowledged": True, "shards_acknowledged": True, "index": parts[0]}
        if method == "PUT" and len(parts) == 3 and parts[1] == "_alias":
            self.aliases.setdefault(parts[2], set()).add(parts[0])
            return 200, {"acknowledged": True}
        if method == "DELETE" and len(parts) == 1:
            for name in parts[0].split(","):
                self.indices.pop(name, None)
                for members in self.aliases.values():
                    members.discard(name)
            return 200, {"acknowledged": True}
        if method == "DELETE" and len(parts) == 3 and parts[1] == "_doc":
            found = False
            for name in self.resolve(parts[0]):
                found |= self.indices[name]["docs"].pop(parts[2], None) is not None
            return (200 if found else 404), {"_index": parts[0], "_id": parts[2], "result": "deleted" if found else "not_found"}
        if parts[-1:] == ["_refresh"]:
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        if parts[-1:] == ["_search"]:
            return self._search(parts[0], parsed or {}, query)
        if parts[-1:] == ["_count"]:
            if not self.resolve(parts[0]):
                return 404, {"error": {"type": "index_not_found_exception"}, "status": 404}
            _status, found = self._search(parts[0], {"query": (parsed or {}).get("query", {"match_all": {}}), "size": 0}, query)
            return 200, {"count": found["hits"]["total"]["value"], "_shards": {"total": 1, "successful": 1, "failed": 0}}
        return 400, {"error": {"type": "fake_unsupported", "reason": f"{method} {path}"}, "status": 400}

    @staticmethod
    def _parse(path, body):
        if not body:
            return None
        text = body.decode()
        if path.endswith("_bulk"):
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        return json.loads(text)

    def _update_aliases(self, actions):
        for action in actions:
            for verb, spec in action.items():
                members = self.aliases.setdefault(spec["alias"], set())
                (members.add if verb == "add" else members.discard)(spec["index"])
        return 200, {"acknowledged": True}

    def _bulk(self, lines):
        items = []
        for action, source in zip(lines[::2], lines[1::2], strict=True):
            meta = action["index"]
            names = self.resolve(meta["_index"])
            if len(names) != 1:
                items.append({"index": {"_index": meta["_index"], "_id": meta["_id"], "status": 404,
                                        "error": {"type": "index_not_found_exception"}}})
                continue
            docs = self.indices[names[0]]["docs"]
            created = meta["_id"] not in docs
            docs[meta["_id"]] = source
            items.append({"index": {"_index": names[0], "_id": meta["_id"], "status": 201 if created else 200,
                                    "result": "created" if created else "updated"}})
        errors = any("error" in item["index"] for item in items)
        return 200, {"took": 1, "errors": errors, "items": items}

    # -- the query DSL subset ----------------------------------------------------------------------------------------

    def _search(self, name, body, query):
        hits = []
        for index in self.resolve(name):
            for doc_id, source in self.indices[index]["docs"].items():
                score = self.score(body.get("query", {"match_all": {}}), source)
                if score is not None:
                    hits.append({"_index": index, "_id": doc_id, "_score": score, "_source": source})
        for key in reversed(body.get("sort", [])):
            hits.sort(**self._sort_key(key))
        total = len(hits)
        start = int(body.get("from", 0))
        size = int(body.get("size", 10))
        page = hits[start : start + size]
        response = {
            "took": 1, "timed_out": False,
            "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {
                "total": {"value": total, "relation": "eq"},
                "max_score": max((hit["_score"] for hit in hits), default=None),
                "hits": [{k: v for k, v in hit.items() if k != "_source" or body.get("_source", True)} for hit in page],
            },
        }
        for agg_name, agg in body.get("aggs", body.get("aggregations", {})).items():
            if "filters" in agg:
                # The filters aggregation: a bucket per named filter, keyed by its name.
                response.setdefault("aggregations", {})[agg_name] = {"buckets": {
                    key: {"doc_count": sum(1 for hit in hits if self.score(spec, hit["_source"]) is not None)}
                    for key, spec in agg["filters"]["filters"].items()
                }}
                continue
            field = agg["terms"]["field"]
            counts = {}
            for hit in hits:
                for value in self._values(hit["_source"], field):
                    counts[value] = counts.get(value, 0) + 1
            buckets = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))[: agg["terms"].get("size", 10)]
            response.setdefault("aggregations", {})[agg_name] = {
                "doc_count_error_upper_bound": 0, "sum_other_doc_count": 0,
                "buckets": [{"key": key, "doc_count": count} for key, count in buckets],
            }
        return 200, response

    @staticmethod
    def _sort_key(key):
        if key == "_score" or key == {"_score": {"order": "desc"}}:
            return {"key": lambda hit: hit["_score"], "reverse": True}
        (field, spec), = key.items()
        spec = spec if isinstance(spec, dict) else {"order": spec}
        reverse = spec.get("order", "asc") == "desc"

        def sort_value(hit):
            value = hit["_source"].get(field)
            # Missing values go last whatever the order.
            return (value is not None) if reverse else (value is None), value if value is not None else 0

        return {"key": sort_value, "reverse": reverse}

    @staticmethod
    def _values(source, field):
        value = source.get(field)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def _tokens(self, source, field):
        text_fields = {"title", "body", "autocomplete"}
        values = self._values(source, field)
        if field in text_fields:
            return [token for value in values for token in str(value).split()]
        return values

    def score(self, clause, source):
        """The clause's score for the document, or None when it does not match."""
        (kind, spec), = clause.items()
        if kind == "match_all":
            return 1.0
        if kind == "match_none":
            return None
        if kind == "constant_score":
            return spec.get("boost", 1.0) if self.score(spec["filter"], source) is not None else None
        if kind == "term":
            (field, value), = spec.items()
            value = value["value"] if isinstance(value, dict) else value
            return 1.0 if value in self._tokens(source, field) else None
        if kind == "terms":
            (field, values), = spec.items()
            return 1.0 if set(values) & set(self._tokens(source, field)) else None
        if kind == "prefix":
            (field, value), = spec.items()
            value = value["value"] if isinstance(value, dict) else value
            return 1.0 if any(str(t).startswith(value) for t in self._tokens(source, field)) else None
        if kind == "exists":
            return 1.0 if self._values(source, spec["field"]) else None
        if kind == "range":
            (field, bounds), = spec.items()
            ops = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b}
            values = self._values(source, field)
            ok = any(all(ops[op](v, bound) for op, bound in bounds.items()) for v in values)
            return 1.0 if ok else None
        if kind == "bool":
            return self._bool(spec, source)
        raise AssertionError(f"query clause not supported by the fake: {kind}")

    def _bool(self, spec, source):
        def as_list(value):
            return value if isinstance(value, list) else [value]

        total = 0.0
        for clause in as_list(spec.get("must", [])):
            score = self.score(clause, source)
            if score is None:
                return None
            total += score
        for clause in as_list(spec.get("filter", [])):
            if self.score(clause, source) is None:
                return None
        for clause in as_list(spec.get("must_not", [])):
            if self.score(clause, source) is not None:
                return None
        should = [self.score(clause, source) for clause in as_list(spec.get("should", []))]
        matched = [score for score in should if score is not None]
        needed = spec.get("minimum_should_match", 0 if (spec.get("must") or spec.get("filter")) else 1)
        if should and len(matched) < int(needed):
            return None
        return total + sum(matched)


def fake_node_class(cluster):
    """A transport node class bound to ``cluster``, for ``Elasticsearch(..., node_class=...)``."""

    class FakeNode(BaseNode):
        """Answers the client's HTTP requests from the in-memory cluster."""

        def perform_request(self, method, target, body=None, headers=None, request_timeout=None):
            status, payload = cluster.handle(method, target, body)
            response_headers = HttpHeaders({
                "content-type": "application/vnd.elasticsearch+json;compatible-with=8",
                "x-elastic-product": "Elasticsearch",
            })
            meta = ApiResponseMeta(status=status, http_version="1.1", headers=response_headers,
                                   duration=0.0, node=self.config)
            return NodeApiResponse(meta, json.dumps(payload).encode() if method != "HEAD" else b"")

    return FakeNode
