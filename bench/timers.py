"""stub"""


def run_timers(quick, directory, backends):
    raise NotImplementedError
