project = "rnndiagram sample"
extensions = ["rnndiagram.sphinxext"]
rnndiagram_theme = "auto"
rnndiagram_max_timesteps = 3
numfig = True
