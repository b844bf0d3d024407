"""Interop: Eclipse Paho Python (Debian's python3-paho-mqtt, 1.6; 2.x through its VERSION1
callback API) against mqtt-ref-broker, one feature per run, over TCP or WebSocket.
Usage: paho_clients.py BROKER_EXE 311|5 tcp|ws qos0|qos1|qos2|retain|will|session|user-properties
Exit 0 pass, 1 fail (with the broker's -v log), 77 skip (paho-mqtt missing)."""

import collections
import hashlib
import os
import queue
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interop_support import Failure, Skip, expect_equal, read_line, run  # noqa: E402

try:
    import paho.mqtt.client as mqtt
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties
    from paho.mqtt.reasoncodes import ReasonCodes
    from paho.mqtt.subscribeoptions import SubscribeOptions
except ImportError as e:
    mqtt = None
    import_error = e

WAIT_S = 10          # bound on every single wait for a broker answer or a delivery
QUIET_S = 0.3        # after the last expected message: nothing else may arrive in this time
KEEP_ALIVE_S = 30
SESSION_EXPIRY_S = 300
WILL_DELAY_S = 1

Msg = collections.namedtuple("Msg", "retain qos topic payload")


def ids(version):
    """Statement IDs each check stands on, per protocol version."""
    if version == "311":
        return dict(ordered="MQTT-4.6.0-6", downgrade="MQTT-3.8.4-6", retain_new="MQTT-3.3.1-8",
                    retain_live="MQTT-3.3.1-9", retain_clear="MQTT-3.3.1-10",
                    will_sent="MQTT-3.1.2-8", will_removed="MQTT-3.1.2-10",
                    session_kept="MQTT-3.1.2-4", session_present="MQTT-3.2.2-2",
                    session_discarded="MQTT-3.1.2-6")
    return dict(ordered="MQTT-4.6.0-5", downgrade="MQTT-3.8.4-8", retain_new="MQTT-3.3.1-9",
                retain_live="MQTT-3.3.1-12", retain_clear="MQTT-3.3.1-6",
                will_sent="MQTT-3.1.2-8", will_removed="MQTT-3.1.2-10",
                session_kept="MQTT-3.1.2-5", session_present="MQTT-3.2.2-3",
                session_discarded="MQTT-3.1.2-4")


class Client:
    """A paho client whose CONNACK, SUBACK and messages land in queues; every wait is bounded."""

    def __init__(self, name, version, transport, port, client_id="", clean_session=True):
        self.name = name
        self.v5 = version == "5"
        self.port = port
        kwargs = dict(client_id=client_id, protocol=mqtt.MQTTv5 if self.v5 else mqtt.MQTTv311,
                      transport="websockets" if transport == "ws" else "tcp")
        if not self.v5:
            kwargs["clean_session"] = clean_session
        args = (mqtt.CallbackAPIVersion.VERSION1,) if hasattr(mqtt, "CallbackAPIVersion") else ()
        self.client = mqtt.Client(*args, **kwargs)
        if transport == "ws":
            self.client.ws_set_options(path="/mqtt")
        self.connacks = queue.Queue()
        self.subacks = queue.Queue()
        self.messages = queue.Queue()
        self.disconnected = queue.Queue()
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect
        self.started = False

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.connacks.put((flags.get("session present", 0), getattr(rc, "value", rc)))

    def _on_subscribe(self, client, userdata, mid, granted, properties=None):
        self.subacks.put((mid, [getattr(g, "value", g) for g in granted]))

    def _on_message(self, client, userdata, msg):
        self.messages.put(msg)

    def _on_disconnect(self, client, userdata, rc, properties=None):
        self.disconnected.put(getattr(rc, "value", rc))

    def connect(self, clean=True, session_expiry_s=None):
        """Connect and wait for the CONNACK; returns Session Present."""
        if self.v5:
            props = Properties(PacketTypes.CONNECT)
            if session_expiry_s is not None:
                props.SessionExpiryInterval = session_expiry_s
            self.client.connect("127.0.0.1", self.port, KEEP_ALIVE_S, clean_start=clean,
                                properties=props)
        else:
            self.client.connect("127.0.0.1", self.port, KEEP_ALIVE_S)
        self.client.loop_start()
        self.started = True
        try:
            present, rc = self.connacks.get(timeout=WAIT_S)
        except queue.Empty:
            raise Failure(f"client '{self.name}': no CONNACK within {WAIT_S} s")
        if rc != 0:
            raise Failure(f"client '{self.name}': CONNACK refused with {rc}")
        return present

    def subscribe(self, topic, qos, retain_as_published=False):
        if self.v5:
            options = SubscribeOptions(qos=qos, retainAsPublished=retain_as_published)
            rc, mid = self.client.subscribe(topic, options=options)
        else:
            rc, mid = self.client.subscribe(topic, qos)
        if rc != mqtt.MQTT_ERR_SUCCESS:
            raise Failure(f"client '{self.name}': subscribe({topic}) failed locally: {rc}")
        try:
            ack_mid, granted = self.subacks.get(timeout=WAIT_S)
        except queue.Empty:
            raise Failure(f"client '{self.name}': no SUBACK for {topic} within {WAIT_S} s")
        if ack_mid != mid or granted != [qos]:
            raise Failure(f"client '{self.name}': SUBACK for {topic}: packet id {ack_mid} "
                          f"(sent {mid}), granted {granted} (requested QoS {qos})")

    def publish(self, topic, payload, qos, retain=False, properties=None):
        info = self.client.publish(topic, payload, qos, retain, properties)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise Failure(f"client '{self.name}': publish to {topic} failed locally: {info.rc}")
        return info

    def publish_all(self, items):
        """Publish (topic, payload, qos, retain, properties) tuples in order, wait for each
        handshake to complete (PUBACK, PUBCOMP; QoS 0: written)."""
        infos = [self.publish(*item) for item in items]
        for item, info in zip(items, infos):
            info.wait_for_publish(WAIT_S)
            if not info.is_published():
                closed = "" if self.disconnected.empty() else \
                    f" (the connection was closed, rc {self.disconnected.get()})"
                raise Failure(f"client '{self.name}': QoS {item[2]} publish of {show_payload(item[1])!r} "
                              f"to {item[0]} not acknowledged within {WAIT_S} s{closed}")

    def receive(self, count, what):
        """Exactly `count` messages: waits for them, then QUIET_S for any extra."""
        got = []
        deadline = time.monotonic() + WAIT_S
        while len(got) < count:
            try:
                got.append(self.messages.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                raise Failure(f"client '{self.name}': {what}: {len(got)} of {count} messages "
                              f"within {WAIT_S} s; received:\n" +
                              "\n".join(f"  {as_msg(m)}" for m in got))
        time.sleep(QUIET_S)
        while not self.messages.empty():
            got.append(self.messages.get())
        return got

    def disconnect(self):
        """Normal DISCONNECT; waits for the connection to close."""
        self.client.disconnect()
        try:
            self.disconnected.get(timeout=WAIT_S)
        except queue.Empty:
            raise Failure(f"client '{self.name}': connection not closed within {WAIT_S} s of DISCONNECT")
        self.client.loop_stop()
        self.started = False

    def stop(self):
        if self.started:
            # DISCONNECT first: the network thread then ends at once instead of at its next
            # 1 s select timeout.
            self.client.disconnect()
            self.client.loop_stop()
            self.started = False


def show_payload(payload):
    """Short payloads as text, long ones as length and digest, so failure reports stay readable."""
    if isinstance(payload, str):
        payload = payload.encode()
    if len(payload) <= 64:
        return payload.decode("utf-8", "replace")
    return f"<{len(payload)} bytes, sha256 {hashlib.sha256(payload).hexdigest()[:16]}>"


def as_msg(m):
    return Msg(int(m.retain), m.qos, m.topic, show_payload(m.payload))


def qos_payloads():
    """100 messages, one of them 300 KB so it spans many TCP segments and WebSocket frames."""
    payloads = [f"m{i}" for i in range(1, 101)]
    payloads[49] = "".join(chr(0x41 + i % 26) for i in range(300_000))
    return payloads + ["end"]


def user_properties(m):
    return list(getattr(m.properties, "UserProperty", [])) if m.properties else []


class Test:
    def __init__(self, version, transport, port):
        self.version = version
        self.transport = transport
        self.port = port
        self.ids = ids(version)
        self.clients = []

    def client(self, name, **kwargs):
        c = Client(name, self.version, self.transport, self.port, **kwargs)
        self.clients.append(c)
        return c

    def connected(self, name, **kwargs):
        c = self.client(name, **kwargs)
        c.connect()
        return c

    def stop(self):
        for c in self.clients:
            c.stop()

    def qos(self, qos):
        topic = f"interop/qos{qos}"
        high = self.connected("high")
        high.subscribe(topic, 2)
        low = self.connected("low")
        low.subscribe(topic, 1)
        payloads = qos_payloads()
        pub = self.connected("publisher")
        pub.publish_all([(topic, p, qos, False, None) for p in payloads])
        expect_equal(f"QoS {qos} publishes to a QoS 2 subscription: each once, in order, at QoS {qos} "
                     f"({self.ids['ordered']})",
                     [Msg(0, qos, topic, show_payload(p)) for p in payloads],
                     [as_msg(m) for m in high.receive(len(payloads), "QoS 2 subscriber")])
        low_qos = min(qos, 1)
        expect_equal(f"QoS {qos} publishes to a QoS 1 subscription: each once, in order, at QoS {low_qos} "
                     f"({self.ids['downgrade']})",
                     [Msg(0, low_qos, topic, show_payload(p)) for p in payloads],
                     [as_msg(m) for m in low.receive(len(payloads), "QoS 1 subscriber")])

    def retain(self):
        t = "interop/retain"
        pub = self.connected("publisher")
        pub.publish_all([(f"{t}/a", "kept-a", 1, True, None)])
        first = self.connected("first")
        first.subscribe(f"{t}/#", 1)
        got = first.receive(1, "retained message on subscribing")
        if self.version == "5":
            rap = self.connected("retain-as-published")
            rap.subscribe(f"{t}/#", 1, retain_as_published=True)
            rap.receive(1, "retained message on subscribing")
        pub.publish_all([(f"{t}/a", "live-a", 1, True, None)])
        got += first.receive(1, "live retained publish")
        expect_equal(f"retained message sent on subscribing with RETAIN 1 ({self.ids['retain_new']}), "
                     f"then a live retained publish with RETAIN 0 ({self.ids['retain_live']})",
                     [Msg(1, 1, f"{t}/a", "kept-a"), Msg(0, 1, f"{t}/a", "live-a")],
                     [as_msg(m) for m in got])
        if self.version == "5":
            expect_equal("Retain As Published subscription: a live retained publish keeps RETAIN 1 "
                         "(MQTT-3.3.1-13)",
                         [Msg(1, 1, f"{t}/a", "live-a")],
                         [as_msg(m) for m in rap.receive(1, "live retained publish")])

        pub.publish_all([(f"{t}/b", "kept-b", 2, True, None)])
        second = self.connected("second")
        second.subscribe(f"{t}/#", 2)
        expect_equal(f"a later subscriber gets the latest retained message of each topic with RETAIN 1 "
                     f"({self.ids['retain_new']}, MQTT-3.3.1-5) (sorted by topic)",
                     [Msg(1, 1, f"{t}/a", "live-a"), Msg(1, 2, f"{t}/b", "kept-b")],
                     sorted(as_msg(m) for m in second.receive(2, "retained messages on subscribing")))

        pub.publish_all([(f"{t}/a", b"", 1, True, None)])
        third = self.connected("third")
        third.subscribe(f"{t}/#", 1)
        expect_equal(f"a retained message with an empty payload clears the topic's retained message "
                     f"({self.ids['retain_clear']}); only {t}/b is left",
                     [Msg(1, 1, f"{t}/b", "kept-b")],
                     [as_msg(m) for m in third.receive(1, "retained messages on subscribing")])

    def will(self):
        watcher = self.connected("watcher")
        watcher.subscribe("interop/will/#", 1)
        # A normal DISCONNECT discards the will.
        clean = self.client("clean", client_id="interop-will-clean")
        clean.client.will_set("interop/will/clean", "must not be published", 1, False)
        clean.connect()
        clean.disconnect()
        # A client that dies without DISCONNECT has its will published.
        self.kill_victim("interop-will-victim", "interop/will/victim")
        got = watcher.receive(1, f"will message after SIGKILL of a connected client ({self.ids['will_sent']})")
        pub = self.connected("publisher")
        pub.publish_all([("interop/will/end", "end", 1, False, None)])
        got += watcher.receive(1, "end marker")
        expect_equal(f"the killed client's will is published ({self.ids['will_sent']}), the cleanly "
                     f"disconnected client's is not ({self.ids['will_removed']})",
                     [Msg(0, 1, "interop/will/victim", "gone"), Msg(0, 1, "interop/will/end", "end")],
                     [as_msg(m) for m in got])
        if self.version == "5":
            expect_equal("will message user properties unaltered and in order (MQTT-3.1.3-10)",
                         VICTIM_USER_PROPERTIES, user_properties(got[0]))
            self.will_v5(watcher, pub)

    def will_v5(self, watcher, pub):
        """5.0 only: DISCONNECT with reason 0x04, Will Delay Interval, and a delayed will cancelled
        by the client coming back."""
        reason4 = self.client("reason4", client_id="interop-will-reason4")
        reason4.client.will_set("interop/will/reason4", "sent on 0x04", 1, False)
        reason4.connect()
        reason4.client.disconnect(reasoncode=ReasonCodes(PacketTypes.DISCONNECT, identifier=0x04))
        got = watcher.receive(1, "will after DISCONNECT with reason 0x04 (MQTT-3.1.2-10: only 0x00 removes it)")

        killed_at = self.kill_victim("interop-will-delayed", "interop/will/delayed",
                                     delay_s=WILL_DELAY_S, expiry_s=SESSION_EXPIRY_S)
        got += watcher.receive(1, f"will with a Will Delay Interval of {WILL_DELAY_S} s")
        waited_s = time.monotonic() - killed_at
        if waited_s < WILL_DELAY_S - 0.2:
            raise Failure(f"will with a Will Delay Interval of {WILL_DELAY_S} s published {waited_s:.2f} s "
                          f"after the connection ended (MQTT-3.1.2-8)")

        self.kill_victim("interop-will-cancelled", "interop/will/cancelled",
                         delay_s=WILL_DELAY_S, expiry_s=SESSION_EXPIRY_S)
        back = self.client("back", client_id="interop-will-cancelled")
        if not back.connect(clean=False, session_expiry_s=SESSION_EXPIRY_S):
            raise Failure("CONNACK Session Present 0 for a session with a Session Expiry Interval of "
                          f"{SESSION_EXPIRY_S} s, resumed right after its client was killed (MQTT-3.2.2-3)")
        time.sleep(WILL_DELAY_S + 0.5)
        pub.publish_all([("interop/will/end", "end2", 1, False, None)])
        got += watcher.receive(1, "end marker")
        expect_equal("a will is published on DISCONNECT with reason 0x04 (MQTT-3.1.2-10), after its Will "
                     "Delay Interval (MQTT-3.1.2-8), and not when the client reconnects before the "
                     "delay has passed (MQTT-3.1.3-9)",
                     [Msg(0, 1, "interop/will/reason4", "sent on 0x04"),
                      Msg(0, 1, "interop/will/delayed", "gone"),
                      Msg(0, 1, "interop/will/end", "end2")],
                     [as_msg(m) for m in got])

    def kill_victim(self, client_id, topic, delay_s=0, expiry_s=0):
        """Run a client with a will (payload `gone`) in a child process, SIGKILL it once connected;
        returns the time of the kill."""
        victim = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--victim",
                                   self.version, self.transport, str(self.port), client_id, topic,
                                   str(delay_s), str(expiry_s)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = read_line(victim.stdout, WAIT_S)
            if line != "ready\n":
                victim.kill()
                raise Failure(f"will client {client_id} did not connect within {WAIT_S} s: {line!r} "
                              f"{victim.stderr.read() if victim.poll() is not None else ''}")
            victim.send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            victim.wait(WAIT_S)
            return killed_at
        finally:
            if victim.poll() is None:
                victim.kill()

    def session(self):
        client_id = f"interop-session-{self.version}-{self.transport}"
        expiry = SESSION_EXPIRY_S if self.version == "5" else None
        # Start from no session at all.
        first = self.client("first", client_id=client_id, clean_session=True)
        first.connect(clean=True)
        first.disconnect()
        setup = self.client("setup", client_id=client_id, clean_session=False)
        present = setup.connect(clean=False, session_expiry_s=expiry)
        if present:
            raise Failure(f"CONNACK Session Present 1 for a client with no stored session "
                          f"({self.ids['session_present']})")
        setup.subscribe("interop/session/#", 2)
        setup.disconnect()

        pub = self.connected("publisher")
        # More than the broker's default send window (20) so the resumed queue drains through it.
        offline = [(f"m{i}", 1) for i in range(1, 26)] + [(f"m{i}", 2) for i in range(26, 36)]
        pub.publish_all([("interop/session/a", p, q, False, None) for p, q in offline])

        resume = self.client("resume", client_id=client_id, clean_session=False)
        present = resume.connect(clean=False, session_expiry_s=expiry)
        if not present:
            raise Failure(f"CONNACK Session Present 0 on resuming a stored session "
                          f"({self.ids['session_present']})")
        got = resume.receive(len(offline), "messages queued while disconnected")
        pub.publish_all([("interop/session/a", "live", 1, False, None)])
        got += resume.receive(1, "live message on the kept subscription")
        expect_equal(f"QoS 1 and 2 messages published while a persistent session was disconnected arrive "
                     f"on reconnect without subscribing again, in order ({self.ids['session_kept']}, "
                     f"{self.ids['ordered']}), then the kept subscription goes on",
                     [Msg(0, q, "interop/session/a", p) for p, q in offline] +
                     [Msg(0, 1, "interop/session/a", "live")],
                     [as_msg(m) for m in got])
        resume.disconnect()

        # Clean Session / Clean Start 1 discards the stored session: its queued message and its
        # subscription.
        pub.publish_all([("interop/session/a", "discarded", 1, False, None)])
        fresh = self.client("fresh", client_id=client_id, clean_session=True)
        if fresh.connect(clean=True):
            raise Failure(f"CONNACK Session Present 1 on a Clean Session / Clean Start 1 connection "
                          f"({self.ids['session_discarded']})")
        pub.publish_all([("interop/session/a", "unsubscribed", 1, False, None)])
        expect_equal(f"a clean connection gets nothing of the discarded session ({self.ids['session_discarded']})",
                     [], [as_msg(m) for m in fresh.receive(0, "nothing")])
        fresh.disconnect()

        if self.version == "5":
            # A session whose expiry interval has passed is gone.
            short = self.client("short", client_id=client_id)
            short.connect(clean=True, session_expiry_s=1)
            short.disconnect()
            time.sleep(2.0)
            late = self.client("late", client_id=client_id)
            if late.connect(clean=False, session_expiry_s=1):
                raise Failure("CONNACK Session Present 1 after the Session Expiry Interval (1 s) had "
                              "passed with the client disconnected (MQTT-4.1.0-2)")

    def user_properties(self):
        if self.version != "5":
            raise Failure("user properties are MQTT 5.0 only")
        topic = "interop/props"
        sub = self.connected("subscriber")
        sub.subscribe(topic, 2)
        pub = self.connected("publisher")
        sent = [("k1", "v1"), ("k2", "v2"), ("k1", "v3"), ("ключ", "значение"), ("", "")]
        items = []
        for qos in (0, 1, 2):
            props = Properties(PacketTypes.PUBLISH)
            props.UserProperty = sent
            props.ContentType = "text/plain; charset=utf-8"
            props.ResponseTopic = "interop/props/reply"
            props.CorrelationData = bytes([0, 1, 2, 255])
            props.PayloadFormatIndicator = 1
            items.append((topic, f"qos{qos}", qos, False, props))
        pub.publish_all(items)
        got = sub.receive(3, "messages with properties")
        expect_equal("messages, in order", [Msg(0, q, topic, f"qos{q}") for q in (0, 1, 2)],
                     [as_msg(m) for m in got])
        for m in got:
            expect_equal(f"QoS {m.qos}: user properties unaltered, duplicates kept, in order "
                         f"(MQTT-3.3.2-17, MQTT-3.3.2-18)", sent, user_properties(m))
            p = m.properties
            forwarded = [getattr(p, "ContentType", None), getattr(p, "ResponseTopic", None),
                         getattr(p, "CorrelationData", None), getattr(p, "PayloadFormatIndicator", None)]
            expect_equal(f"QoS {m.qos}: Content Type, Response Topic, Correlation Data and Payload "
                         f"Format Indicator unaltered (MQTT-3.3.2-20, -15, -16, MQTT-3.3.2-4)",
                         ["text/plain; charset=utf-8", "interop/props/reply", bytes([0, 1, 2, 255]), 1],
                         forwarded)


VICTIM_USER_PROPERTIES = [("origin", "victim"), ("seq", "1"), ("origin", "again")]


def victim(version, transport, port, client_id, topic, delay_s, expiry_s):
    """Child process: connect with a will, say `ready`, wait to be killed."""
    c = Client("victim", version, transport, port, client_id=client_id)
    props = None
    if version == "5":
        props = Properties(PacketTypes.WILLMESSAGE)
        props.UserProperty = VICTIM_USER_PROPERTIES
        if delay_s:
            props.WillDelayInterval = delay_s
    c.client.will_set(topic, "gone", 1, False, props)
    c.connect(clean=True, session_expiry_s=expiry_s or None)
    print("ready", flush=True)
    time.sleep(60)


def main():
    if len(sys.argv) == 9 and sys.argv[1] == "--victim":
        version, transport, port, client_id, topic, delay_s, expiry_s = sys.argv[2:]
        victim(version, transport, int(port), client_id, topic, int(delay_s), int(expiry_s))
        return
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    exe, version, transport, feature = sys.argv[1:]
    name = f"paho v{version} {transport} {feature}"
    if version not in ("311", "5") or transport not in ("tcp", "ws"):
        sys.exit(__doc__)
    config = ["listener 0 127.0.0.1"]
    if transport == "ws":
        config.append("protocol websockets")

    def body(broker):
        if mqtt is None:
            raise Skip(f"paho-mqtt not importable by {sys.executable} ({import_error}); "
                       f"tools/bootstrap installs python3-paho-mqtt")
        scheme = "ws" if transport == "ws" else "tcp"
        if scheme not in broker.ports:
            raise Failure(f"broker printed no {scheme}:// listener: {broker.ports}")
        test = Test(version, transport, broker.ports[scheme])
        try:
            if feature in ("qos0", "qos1", "qos2"):
                test.qos(int(feature[3]))
            elif feature == "user-properties":
                test.user_properties()
            elif feature in ("retain", "will", "session"):
                getattr(test, feature)()
            else:
                raise Failure(f"unknown feature {feature}")
        finally:
            test.stop()

    run(name, exe, config, body)


if __name__ == "__main__":
    main()
