"""One refresh, below the orchestration: what to build (plan, state), who may write
(lock), and how the build becomes the published file (build_file, snapshot, publish)."""
