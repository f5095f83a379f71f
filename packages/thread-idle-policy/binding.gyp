{
  "targets": [
    {
      "target_name": "thread_idle_policy",
      "sources": ["src/thread_idle_policy.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
