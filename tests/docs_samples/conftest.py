"""The sample projects are built by the documentation tests, not collected as tests."""

collect_ignore_glob = ["*"]
