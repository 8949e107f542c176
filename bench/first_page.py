"""stub"""


def run_first_page(quick, directory, backends):
    raise NotImplementedError
