"""What analytics adds to other apps' dashboard tabs through core's registry: the earnings chart
and completed-sessions list in the Earnings tab (payouts'), the session report modal in the
My Sessions tab (bookings'). Neither app refers to analytics."""

from peerlearn_core.dashboard import Panel, registry

# Chart.js 4's UMD bundle (sets window.Chart, also as a module script), served by the host site:
# the PeerLearn theme's npm build copies it there (`make css`). Never a CDN.
CHART_JS = "vendor/chart.umd.min.js"

PANELS = (
    Panel(
        tab="earnings",
        key="analytics",
        slot="after-balance",
        template="peerlearn_analytics/panels/earnings.html",
        scripts=(CHART_JS, "peerlearn_analytics/js/earnings-analytics.js"),
    ),
    Panel(
        tab="sessions",
        key="analytics-report",
        template="peerlearn_analytics/panels/session_report.html",
        scripts=("peerlearn_analytics/js/session-report.js",),
    ),
)


def register_panels() -> None:
    for panel in PANELS:
        registry.register_panel(panel)
