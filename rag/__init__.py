"""Settings, embeddings, the index (Chroma + lexical), retrieval, answers and talking points."""
