"""The Textual wizard. Front end only: every AWS call goes through the engine in a worker."""
