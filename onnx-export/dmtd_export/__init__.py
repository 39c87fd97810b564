"""dmtd_export: reference DMTD model, two-graph ONNX export, random models and golden fixtures."""

__version__ = "0.1.0"
