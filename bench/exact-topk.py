"""Exact top-k by inner product with numpy (BLAS), for bench/retrieval.bench.ts: the ground truth its recall figures
are measured against, ~50x faster than plain JavaScript here. The bench checks it against its own JavaScript brute
force on a sample of the queries. Writes int32 ids, row-major (queries x k)."""
import sys

import numpy as np

base_path, query_path, out_path, dim, k = sys.argv[1:6]
dim, k = int(dim), int(k)
base = np.fromfile(base_path, dtype=np.float32).reshape(-1, dim)
queries = np.fromfile(query_path, dtype=np.float32).reshape(-1, dim)
out = np.empty((len(queries), k), dtype=np.int32)
for start in range(0, len(queries), 128):
    scores = queries[start : start + 128] @ base.T
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
    out[start : start + 128] = np.take_along_axis(top, order, axis=1)
out.tofile(out_path)
