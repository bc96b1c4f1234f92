"""normkit.media: domain code on top of the engine (it uses only the public engine API)."""
