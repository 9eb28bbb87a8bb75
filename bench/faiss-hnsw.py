"""FAISS IndexHNSWFlat on the vectors bench/retrieval.bench.ts wrote: build time, queries per second one query per
call (as the Node side searches), recall@10 against the same exact ground truth. One JSON line on stdout."""
import json, sys, time

import faiss
import numpy as np

base_path, query_path, truth_path, dim, k, m, ef_construction, ef_search = sys.argv[1:9]
dim, k, m, ef_construction, ef_search = int(dim), int(k), int(m), int(ef_construction), int(ef_search)
faiss.omp_set_num_threads(1)  # the Node side builds and searches on one thread; same here, for a fair ratio

base = np.fromfile(base_path, dtype=np.float32).reshape(-1, dim)
queries = np.fromfile(query_path, dtype=np.float32).reshape(-1, dim)
truth = np.fromfile(truth_path, dtype=np.int32).reshape(-1, k)

index = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
index.hnsw.efConstruction = ef_construction
started = time.perf_counter()
index.add(base)
build_s = time.perf_counter() - started

index.hnsw.efSearch = ef_search
for i in range(min(50, len(queries))):  # warm-up, untimed
    index.search(queries[i : i + 1], k)
found = np.empty((len(queries), k), dtype=np.int64)
started = time.perf_counter()
for i in range(len(queries)):
    found[i] = index.search(queries[i : i + 1], k)[1][0]
search_s = time.perf_counter() - started

hits = sum(len(set(found[i]) & set(truth[i])) for i in range(len(queries)))
print(json.dumps({
    "faissVersion": faiss.__version__,
    "threads": 1,
    "buildS": build_s,
    "qps": len(queries) / search_s,
    "recallAt10": hits / (len(queries) * k),
}))
