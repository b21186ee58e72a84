from .app_settings import core_settings


def peerlearn(request):
    return {
        "peerlearn_site_name": core_settings.SITE_NAME,
        "peerlearn_stylesheets": core_settings.STYLESHEETS,
    }
