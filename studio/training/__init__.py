"""Training beside the server: the bounded queue of runs (``jobs``), each
run in a child process of its own (``worker``), and where the finished
models live and who may replace or delete them (``user_models``)."""
