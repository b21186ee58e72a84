"""The live room /room/{id} in real chromium: three people (mentor + two learners, fake camera and
microphone) go from the pre-join screen to a WebRTC mesh, chat, share a screen, leave and
rejoin, and the mentor's Decline cancels the session for everyone."""

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}

# The pre-join preview is playing the local camera.
PREVIEW_PLAYING = """() => {
  const v = document.querySelector('[data-testid=preview-video]');
  return Boolean(v && v.readyState >= 2 && v.videoWidth > 0 && v.currentTime > 0);
}"""

# In the call with `n` peer connections, every one connected, and one playing remote video each.
CALL_CONNECTED = """(n) => {
  const room = window.__room;
  if (!room || !room.inCall) return false;
  const pcs = [...room.pcs.entries()];
  if (pcs.length !== n || !pcs.every(([, pc]) => pc.connectionState === 'connected')) return false;
  return pcs.every(([id]) => {
    const v = document.querySelector(`[data-tile="${id}"] video`);
    return v && v.readyState >= 2 && v.videoWidth > 0 && v.currentTime > 0;
  });
}"""

# Records (in the page) the first moment a card's "Join room" is shown.
JOIN_WATCH = """(id) => {
  window.__joinSeenAt = null;
  const timer = setInterval(() => {
    const link = document.querySelector(`[data-testid="join-room-${id}"]`);
    if (link && !link.hidden) {
      window.__joinSeenAt = Date.now();
      window.__joinSeenCard = link.closest("[data-session-card]")?.dataset.sig;
      clearInterval(timer);
    }
  }, 20);
}"""

REMOTE_TIMES = """() => [...window.__room.pcs.keys()].map((id) => {
  const v = document.querySelector(`[data-tile="${id}"] video`);
  return [id, v ? v.currentTime : -1];
})"""

# Every remote video has played on since `before` ([[peer id, currentTime], ...]).
VIDEOS_ADVANCING = """(before) => before.every(([id, t]) => {
  const v = document.querySelector(`[data-tile="${id}"] video`);
  return v && !v.paused && v.currentTime > t + 0.25;
})"""


def api_session(site_server, token: str, title: str, *, minutes_from_now: float) -> dict:
    starts = datetime.now(UTC) + timedelta(minutes=minutes_from_now)
    created = requests.post(
        f"{site_server.url}/api/sessions/",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
        json={
            "title": title,
            "description": "Live practice in the room.",
            "starts_at": starts.isoformat(),
            "duration_minutes": 60,
            "max_participants": 5,
            "price": "0",
        },
    )
    assert created.status_code == 201, created.text
    return created.json()


def api_book(site_server, token: str, session_id: int) -> dict:
    booked = requests.post(
        f"{site_server.url}/api/sessions/{session_id}/book/",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert booked.status_code == 201, booked.text
    return booked.json()


def toast(page, text, timeout=8000):
    """A toast with ``text`` was shown: visible now, or shown and gone already (4 s), which on a
    loaded machine may happen while the test checks another page first."""
    page.wait_for_function(
        """(text) => (window.__plEvents || []).some(
             (e) => e.cls === "pl-toast" && e.text.includes(text))""",
        arg=text,
        timeout=timeout,
    )


def open_room(page, site_server, session_id: int):
    page.goto(f"{site_server.url}/room/{session_id}")
    try:
        page.wait_for_function(PREVIEW_PLAYING, timeout=15_000)
        expect(page.get_by_test_id("ready-toggle")).to_be_enabled(timeout=10_000)
    except AssertionError as failure:
        console = "\n".join(getattr(page, "console_lines", [])[-30:])
        raise AssertionError(f"{failure}\n--- console ---\n{console}") from failure
    return page


def wait_connected(page, n: int):
    page.wait_for_function(CALL_CONNECTED, arg=n, timeout=20_000)
    before = page.evaluate(REMOTE_TIMES)
    page.wait_for_function(VIDEOS_ADVANCING, arg=before, timeout=10_000)


def peer_id(page) -> str:
    return page.evaluate("window.__room.peerId")


def remote_tiles(page) -> set[str]:
    return set(
        page.evaluate(
            "[...document.querySelectorAll('[data-tile][data-remote]')].map(t => t.dataset.tile)"
        )
    )


def shot(screenshot, page, name: str):
    """A screenshot without the toast stack covering the page."""
    page.evaluate(
        "document.querySelectorAll('.pl-toast').forEach((t) => window.PeerLearn.dismissToast(t))"
    )
    expect(page.locator(".pl-toast")).to_have_count(0)
    screenshot(page, name)


def no_overflow(page):
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.fixture
def trio(browser, site_server, make_account, token_for, login):
    """A mentor and two booked learners, each logged in in a browser context of its own: the
    mentor at 1280 px, Meera on a 390 px phone, Ravi at 1280 px."""
    mentor = make_account("mentor", "Asha Mentor")
    meera = make_account("learner", "Meera Learner")
    ravi = make_account("learner", "Ravi Learner")
    session = api_session(site_server, token_for(mentor), "Pairing on Django", minutes_from_now=2)
    for learner in (meera, ravi):
        api_book(site_server, token_for(learner), session["id"])
    contexts = [
        browser.new_context(**DESKTOP),
        browser.new_context(**PHONE),
        browser.new_context(**DESKTOP),
    ]
    pages = [
        login(ctx.new_page(), account)
        for ctx, account in zip(contexts, (mentor, meera, ravi), strict=True)
    ]
    yield session, pages
    for ctx in contexts:
        ctx.close()


def test_room_mesh_chat_share_rejoin_and_cancel(trio, site_server, screenshot):
    session, (m, a, b) = trio
    sid = session["id"]

    # The dashboards offer "Join room": the room's window is open (start in 2 min).
    expect(m.get_by_test_id(f"join-room-{sid}")).to_be_visible()
    a.get_by_test_id("tab-bookings").click()
    expect(a.locator("[data-testid^=join-room-]")).to_have_count(1)

    # Pre-join: everyone's camera preview plays; the people list fills live.
    for page in (m, a, b):
        open_room(page, site_server, sid)
    for page in (m, a, b):
        expect(page.get_by_test_id("people").locator("li")).to_have_count(3)
        expect(page.get_by_test_id("ready-toggle")).to_have_text("Ready to Join")
        expect(page.get_by_test_id("decline")).to_have_text("Decline/Leave")
        expect(page.get_by_test_id("camera-select").locator("option")).not_to_have_count(0)
    expect(m.get_by_test_id("start-call")).to_be_hidden()
    for page in (a, b):
        expect(page.get_by_test_id("start-call")).to_have_count(0)
    no_overflow(a)
    shot(screenshot, a, "room-prejoin-390")
    shot(screenshot, m, "room-prejoin-1280")

    # Mute / camera toggles work in the preview.
    m.get_by_test_id("preview-mic").click()
    expect(m.get_by_test_id("preview-mic")).to_have_attribute("data-on", "false")
    assert m.evaluate("window.__room.media.mic.enabled") is False
    m.get_by_test_id("preview-mic").click()
    expect(m.get_by_test_id("preview-mic")).to_have_attribute("data-on", "true")

    # Ready to Join, one by one: Start Call appears for the mentor only once all three are.
    m.get_by_test_id("ready-toggle").click()
    expect(m.get_by_test_id("ready-toggle")).to_have_text("Not ready")
    toast(m, "You're ready")
    a.get_by_test_id("ready-toggle").click()
    expect(a.get_by_test_id("ready-toggle")).to_have_text("Not ready")
    m_person_a = m.get_by_test_id(f"person-{peer_id(a)}")
    expect(m_person_a).to_have_attribute("data-ready", "true")
    expect(m.get_by_test_id("start-call")).to_be_hidden()
    b.get_by_test_id("ready-toggle").click()
    expect(m.get_by_test_id("start-call")).to_be_visible()
    toast(m, "Everyone is ready")
    # Ravi changes his mind: Start Call hides again, and comes back when he is ready again.
    b.get_by_test_id("ready-toggle").click()
    expect(b.get_by_test_id("ready-toggle")).to_have_text("Ready to Join")
    expect(m.get_by_test_id("start-call")).to_be_hidden()
    b.get_by_test_id("ready-toggle").click()
    expect(m.get_by_test_id("start-call")).to_be_visible()
    for page in (a, b):
        expect(page.get_by_test_id("start-call")).to_have_count(0)

    # Start Call: a full mesh, every connection connected with live remote video.
    m.get_by_test_id("start-call").click()
    for page in (m, a, b):
        toast(page, "The call started")
    for page in (m, a, b):
        wait_connected(page, 2)
    ids = {page: peer_id(page) for page in (m, a, b)}
    for page in (m, a, b):
        others = {ids[p] for p in (m, a, b) if p is not page}
        assert remote_tiles(page) == others
        assert set(page.evaluate("[...window.__room.pcs.keys()]")) == others
    expect(a.get_by_test_id(f"tile-{ids[m]}")).to_contain_text("Asha Mentor")
    no_overflow(a)
    shot(screenshot, a, "room-call-390")
    shot(screenshot, m, "room-call-1280")
    m.set_viewport_size(PHONE["viewport"])
    expect(m.get_by_test_id("leave-call")).to_be_in_viewport()
    no_overflow(m)
    shot(screenshot, m, "room-call-mentor-390")
    m.set_viewport_size(DESKTOP["viewport"])

    # Mute state travels over the data channel: Meera mutes, the others see it on her tile.
    a.get_by_test_id("call-mic").click()
    for page in (m, b):
        expect(page.get_by_test_id(f"tile-{ids[a]}")).to_have_attribute("data-audio", "off")
    a.get_by_test_id("call-mic").click()
    for page in (m, b):
        expect(page.get_by_test_id(f"tile-{ids[a]}")).to_have_attribute("data-audio", "on")

    # Chat round trip, rendered as text (never as markup).
    a.get_by_test_id("chat-input").fill("Hello from Meera <b>bold</b>")
    a.get_by_test_id("chat-input").press("Enter")
    for page in (m, b):
        message = page.get_by_test_id("chat-message").filter(has_text="Hello from Meera")
        expect(message).to_be_visible()
        expect(message.locator("[data-chat-name]")).to_have_text("Meera Learner")
        expect(message.locator("[data-chat-text]")).to_have_text("Hello from Meera <b>bold</b>")
        assert message.locator("b").count() == 0
    m.get_by_test_id("chat-input").fill("Welcome, both of you!")
    m.get_by_test_id("chat-send").click()
    for page in (a, b):
        message = page.get_by_test_id("chat-message").filter(has_text="Welcome, both of you!")
        expect(message.locator("[data-chat-name]")).to_have_text("Asha Mentor")

    # The transcript link downloads the chat as text.
    href = a.get_by_test_id("transcript-link").get_attribute("href")
    transcript = a.evaluate("(url) => fetch(url).then((r) => r.text())", href)
    assert "Meera Learner: Hello from Meera <b>bold</b>" in transcript
    assert "Asha Mentor: Welcome, both of you!" in transcript

    # The mentor shares the screen: replaceTrack swaps every video sender to the display track,
    # the learners' tiles say so; stopping goes back to the camera.
    camera_label = m.evaluate("window.__room.media.camera.label")
    m.get_by_test_id("share-screen").click()
    toast(m, "You are sharing your screen")
    m.wait_for_function(
        """() => window.__room.sharing && [...window.__room.pcs.keys()].every((id) => {
             const video = window.__room.senderTracks(id).video;
             return video && video.settings.displaySurface && video.label !== window.__room.media.camera.label;
           })"""
    )
    for page in (a, b):
        tile = page.get_by_test_id(f"tile-{ids[m]}")
        expect(tile.locator("[data-sharing]")).to_have_attribute("data-on", "true")
        before = page.evaluate(REMOTE_TIMES)
        page.wait_for_function(VIDEOS_ADVANCING, arg=before)
    m.get_by_test_id("share-screen").click()
    m.wait_for_function(
        """(label) => !window.__room.sharing && [...window.__room.pcs.keys()].every(
             (id) => window.__room.senderTracks(id).video?.label === label)""",
        arg=camera_label,
    )
    for page in (a, b):
        expect(page.get_by_test_id(f"tile-{ids[m]}").locator("[data-sharing]")).to_have_attribute(
            "data-on", "false"
        )

    # Ravi leaves (back to his dashboard) and rejoins: the others see his tile go and come back.
    b.get_by_test_id("leave-call").click()
    b.wait_for_url(re.compile(r".*/learner/dashboard$"))
    for page in (m, a):
        expect(page.get_by_test_id(f"tile-{ids[b]}")).to_have_count(0)
        page.wait_for_function("() => window.__room.pcs.size === 1")
        toast(page, "Ravi Learner left the room")
    open_room(b, site_server, sid)
    expect(b.get_by_test_id("call-running")).to_be_visible()
    b.get_by_test_id("ready-toggle").click()
    wait_connected(b, 2)
    new_b = peer_id(b)
    assert new_b != ids[b]
    for page in (m, a):
        wait_connected(page, 2)
        assert new_b in remote_tiles(page)
        expect(page.get_by_test_id(f"tile-{new_b}")).to_contain_text("Ravi Learner")

    # The mentor declines (confirming first): the session is cancelled for everyone; each learner
    # sees the overlay fade in and is sent to the dashboard 3 s later, not before.
    m.get_by_test_id("call-cancel-session").click()
    modal = m.get_by_test_id("cancel-room-modal")
    expect(modal).to_have_attribute("data-open", "true")
    expect(modal).to_contain_text("This cancels the session for everyone")
    m.get_by_test_id("cancel-room-confirm").click()
    shown = {}
    for page in (a, b, m):
        overlay = page.get_by_test_id("room-overlay")
        expect(overlay).to_be_visible()
        expect(page.get_by_test_id("room-overlay-title")).to_have_text("Session Cancelled")
        info = page.evaluate("({...window.__room.overlay})")
        assert info["kind"] == "cancelled"
        shown[page] = (info["shownAtEpoch"], time.monotonic())
    expect(a.get_by_test_id("room-overlay")).to_have_css("opacity", "1")
    assert (
        a.get_by_test_id("room-overlay").evaluate("el => getComputedStyle(el).transitionProperty")
        == "opacity"
    )
    assert (
        a.get_by_test_id("room-overlay").evaluate("el => getComputedStyle(el).transitionDuration")
        == "0.5s"
    )
    for page, role in ((a, "learner"), (b, "learner"), (m, "mentor")):
        page.wait_for_url(re.compile(rf".*/{role}/dashboard$"), timeout=8000)
        waited = time.monotonic() - shown[page][1]
        navigated_at = page.evaluate("performance.timeOrigin")
        delay = navigated_at - shown[page][0]
        assert 2950 <= delay <= 4000, f"redirected {delay:.0f} ms after the overlay"
        assert waited >= 2.5, f"left the room {waited:.2f} s after the overlay was seen"


def test_learner_without_booking_gets_403(browser, site_server, make_account, token_for, login):
    mentor = make_account("mentor", "Asha Mentor")
    outsider = make_account("learner", "Nila Outsider")
    session = api_session(site_server, token_for(mentor), "Closed circle", minutes_from_now=2)
    page = login(browser.new_context(**PHONE).new_page(), outsider)
    response = page.goto(f"{site_server.url}/room/{session['id']}")
    assert response.status == 403
    expect(page.get_by_test_id("room-unavailable-title")).to_have_text(
        "You don't have a seat in this session"
    )
    expect(page.get_by_test_id("room-unavailable-body")).to_contain_text(
        "Only the session's mentor and learners with an active booking"
    )
    expect(page.get_by_test_id("room-unavailable-dashboard")).to_have_attribute(
        "href", "/learner/dashboard"
    )
    page.context.close()


def test_room_not_open_yet_and_learner_decline(
    browser, site_server, make_account, token_for, login, screenshot
):
    mentor = make_account("mentor", "Asha Mentor")
    learner = make_account("learner", "Meera Learner")
    # The room opens ROOM_OPENS_MINUTES_BEFORE (10) minutes before the start: this one in ~25 s.
    later = api_session(
        site_server, token_for(mentor), "Later today", minutes_from_now=10 + 25 / 60
    )
    opens_at = datetime.fromisoformat(later["room_opens_at"])
    assert timedelta(seconds=10) < opens_at - datetime.now(UTC) < timedelta(seconds=30)
    soon = api_session(site_server, token_for(mentor), "Starting soon", minutes_from_now=2)
    for session in (later, soon):
        api_book(site_server, token_for(learner), session["id"])
    m = login(browser.new_context(**DESKTOP).new_page(), mentor)
    # This learner's browser asks for reduced motion: the overlay appears without the fade.
    lp = login(browser.new_context(**PHONE, reduced_motion="reduce").new_page(), learner)

    # "Join room" only inside the room's window: the later session has none yet.
    expect(m.get_by_test_id(f"join-room-{soon['id']}")).to_be_visible()
    expect(m.get_by_test_id(f"join-room-{later['id']}")).to_be_hidden()
    m.evaluate(JOIN_WATCH, later["id"])
    lp.get_by_test_id("tab-bookings").click()
    later_card = lp.locator("[data-testid^=booking-card-]").filter(has_text="Later today")
    soon_card = lp.locator("[data-testid^=booking-card-]").filter(has_text="Starting soon")
    expect(soon_card.locator("[data-testid^=join-room-]")).to_be_visible()
    expect(later_card.locator("[data-testid^=join-room-]")).to_have_count(0)

    # Before the window opens the preview still works and the page says when it opens.
    lp.goto(f"{site_server.url}/room/{later['id']}")
    lp.wait_for_function(PREVIEW_PLAYING, timeout=15_000)
    opens = lp.evaluate(
        """(iso) => new Date(iso).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit", hourCycle: "h23"})""",
        later["room_opens_at"],
    )
    assert re.fullmatch(r"\d{2}:\d{2}", opens)
    expect(lp.get_by_test_id("room-opens-at")).to_have_text(f"The room opens at {opens}")
    expect(lp.get_by_test_id("ready-toggle")).to_be_disabled()
    expect(lp.get_by_test_id("room-status")).to_contain_text("Not open yet")
    no_overflow(lp)
    shot(screenshot, lp, "room-not-open-yet-390")

    # At the opening time the page connects by itself, and the mentor's dashboard shows
    # "Join room" then (not before, and without a reload).
    expect(lp.get_by_test_id("ready-toggle")).to_be_enabled(timeout=40_000)
    expect(lp.get_by_test_id("room-opens-at")).to_be_hidden()
    expect(lp.get_by_test_id("room-status")).to_contain_text("Room open")
    m.wait_for_function("() => window.__joinSeenAt", timeout=10_000)
    seen_at = m.evaluate("window.__joinSeenAt")
    opened_ms = opens_at.timestamp() * 1000
    assert opened_ms <= seen_at <= opened_ms + 1500, (
        f"shown {seen_at - opened_ms:.0f} ms after the opening",
        m.evaluate("window.__joinSeenCard"),
        later,
    )
    expect(m.get_by_test_id(f"join-room-{later['id']}")).to_be_visible()

    # A learner's own Decline/Leave: "You left the session", then the dashboard after 3 s; the
    # mentor in the room sees them go.
    open_room(m, site_server, soon["id"])
    open_room(lp, site_server, soon["id"])
    expect(m.get_by_test_id("people").locator("li")).to_have_count(2)
    lp.get_by_test_id("decline").click()
    expect(lp.get_by_test_id("room-overlay-title")).to_have_text("You left the session")
    overlay = lp.get_by_test_id("room-overlay")
    assert overlay.evaluate("el => getComputedStyle(el).transitionProperty") == "none"
    shown_at = lp.evaluate("window.__room.overlay.shownAtEpoch")
    seen = time.monotonic()
    # The mentor's 4 s toast is read while the learner's 3 s countdown runs, not after it.
    toast(m, "Meera Learner declined and left")
    expect(m.get_by_test_id("people").locator("li")).to_have_count(1)
    lp.wait_for_url(re.compile(r".*/learner/dashboard$"), timeout=8000)
    assert time.monotonic() - seen >= 2.5
    assert 2950 <= lp.evaluate("performance.timeOrigin") - shown_at <= 4000
    # Declined: no Join room any more, and the room refuses them.
    lp.get_by_test_id("tab-bookings").click()
    expect(soon_card.locator("[data-attendance=declined]")).to_be_visible()
    expect(soon_card.locator("[data-testid^=join-room-]")).to_have_count(0)
    assert lp.goto(f"{site_server.url}/room/{soon['id']}").status == 403
    m.context.close()
    lp.context.close()


class TestLectureMode:
    """More seats than the mesh limit (RTC_MAX_MESH_PEERS=2 here): only the mentor sends; each
    learner connects to the mentor alone, receive-only, and can raise a hand."""

    @pytest.fixture(scope="class")
    @classmethod
    def site_server(cls, tmp_path_factory, redis_url):
        from ..conftest import SiteServer, free_port, site_env

        tmp = tmp_path_factory.mktemp("lecture-site")
        server = SiteServer(site_env(tmp, REDIS_URL=redis_url, RTC_MAX_MESH_PEERS="2"), free_port())
        server.manage("migrate", "--noinput", "-v0")
        server.start()
        yield server
        server.stop()

    def test_lecture(self, browser, site_server, make_account, token_for, login, screenshot):
        mentor = make_account("mentor", "Asha Mentor")
        learners = [make_account("learner", name) for name in ("Meera Learner", "Ravi Learner")]
        session = api_session(site_server, token_for(mentor), "Big lecture", minutes_from_now=2)
        for learner in learners:
            api_book(site_server, token_for(learner), session["id"])
        m = login(browser.new_context(**DESKTOP).new_page(), mentor)
        a = login(browser.new_context(**PHONE).new_page(), learners[0])
        b = login(browser.new_context(**DESKTOP).new_page(), learners[1])
        for page in (m, a, b):
            open_room(page, site_server, session["id"])
            expect(page.get_by_test_id("room-mode")).to_have_text("Lecture")
        for page in (m, a, b):
            expect(page.get_by_test_id("people").locator("li")).to_have_count(3)
            page.get_by_test_id("ready-toggle").click()
        expect(m.get_by_test_id("start-call")).to_be_visible()
        m.get_by_test_id("start-call").click()

        # The mentor holds one connection per learner and receives nothing; learners hold one
        # connection (to the mentor) and play the mentor's video.
        m.wait_for_function(
            """() => window.__room.inCall && window.__room.pcs.size === 2 &&
                 [...window.__room.pcs.values()].every((pc) => pc.connectionState === "connected")"""
        )
        mentor_id = peer_id(m)
        assert remote_tiles(m) == set()  # learners are listed, not tiled, in a lecture
        for page in (a, b):
            wait_connected(page, 1)
            assert page.evaluate("[...window.__room.pcs.keys()]") == [mentor_id]
            directions = page.evaluate(
                """() => [...window.__room.pcs.values()][0].getTransceivers()
                     .map((t) => [t.receiver.track.kind, t.currentDirection, Boolean(t.sender.track)])"""
            )
            assert sorted(directions) == [
                ["audio", "recvonly", False],
                ["video", "recvonly", False],
            ]
            expect(page.get_by_test_id("tile-self")).to_be_hidden()
            expect(page.get_by_test_id("raise-hand")).to_be_visible()
        for pc_directions in m.evaluate(
            """() => [...window.__room.pcs.values()].map((pc) =>
                 pc.getTransceivers().map((t) => t.currentDirection).sort())"""
        ):
            assert pc_directions == ["sendonly", "sendonly"]

        # A raised hand shows in the mentor's people list.
        a.get_by_test_id("raise-hand").click()
        expect(a.get_by_test_id("raise-hand")).to_have_attribute("data-on", "true")
        toast(m, "Meera Learner raised a hand")
        expect(m.get_by_test_id(f"hand-{peer_id(a)}")).to_be_visible()
        shot(screenshot, a, "room-lecture-learner-390")
        shot(screenshot, m, "room-lecture-mentor-1280")
        a.get_by_test_id("raise-hand").click()
        expect(m.get_by_test_id(f"hand-{peer_id(a)}")).to_have_count(0)
        for page in (m, a, b):
            page.context.close()
