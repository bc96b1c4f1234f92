"""normkit: Vietnam's media-production cost norms and poverty rules as exact, explainable numbers."""

__version__ = "0.1.0"
