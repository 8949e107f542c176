"""stub"""


def run_history(quick, directory, backends):
    raise NotImplementedError
