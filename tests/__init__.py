"""The test suite: one folder per layer of constructs_lib, integration/ for what runs real tools, support/ for helpers."""
