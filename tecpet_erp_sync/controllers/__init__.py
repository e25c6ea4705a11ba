from . import bling_oauth
