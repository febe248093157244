from pmo_kernel.migrations import run_env

run_env()
