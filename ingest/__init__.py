"""Files → normalized Vietnamese text → document structure → citable chunks."""
