"""What runs inside a training or serving container: the /opt/ml contract and entrypoints."""
