"""Projects written out for other tools: the PyTorch script a student keeps learning from (codegen)."""
