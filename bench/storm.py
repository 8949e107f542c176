"""stub"""


def run_storm(quick, directory, backends):
    raise NotImplementedError
