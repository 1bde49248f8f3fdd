"""Search backends: the embedded database one and Elasticsearch, both with the same Chinese analysis."""
