from . import bling_oauth, webhooks
