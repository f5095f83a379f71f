{
  "targets": [
    {
      "target_name": "wal_index_header",
      "sources": ["src/wal_index_header.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
