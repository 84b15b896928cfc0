"""The offline engine: faster-whisper → llama.cpp → Piper (see docs/local-engine.md)."""
