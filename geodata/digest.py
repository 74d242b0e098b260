"""After a load: log what changed, then mail each confirmed follower one digest of it.

`python -m geodata.digest` (the last step of `make load`, and run by the works loaders and
`python -m geodata.alerts` after their recompute): compares the state with the previous
snapshot (queries/changes.py), then sends every address with news one message covering
everything it follows, through MIRADOR_SMTP_URL (geodata/mail.py). An address with nothing
new gets nothing. Without MIRADOR_SMTP_URL the changes are still logged (the feeds show
them) and the run says that no mail went. An address is marked as told only once its
message was accepted, so a server that is down delays the digest to the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from dashboard.i18n import _, current, ngettext, using
from geodata import mail
from geodata.runs import Parser, run_cli
from layers.changes import describe
from queries import changes, subscriptions
from queries.subscriptions import Digest, Pending

PER_THING = 20        # lines per followed thing; the rest is in its feed
log = logging.getLogger(__name__)


@dataclass
class DigestRun:
    comparison: changes.Comparison | None
    sent: int = 0
    failed: int = 0
    lines: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(([str(self.comparison)] if self.comparison else []) + self.lines)


def _in_language() -> str:
    """The query that keeps a link's page in the mail's language (none for Spanish)."""
    return "" if current() == "es" else f"?lang={current()}"


def feed_url(kind: str, key: str) -> str:
    return f"{mail.public_url()}/feeds/{kind}/{key}.atom{_in_language()}"


def unsubscribe_url(token: str) -> str:
    return f"{mail.public_url()}/seguir/baja/{token}{_in_language()}"


def _heading(kind: str, key: str) -> str:
    name = subscriptions.thing_name(kind, key) or key
    label = {"obra": _("Obra"), "area": _("Área"), "entidad": _("Entidad")}[kind]
    return f"{label}: {name}"


def _with_language(path: str) -> str:
    """A page's path with the mail's language, before any #fragment."""
    page, mark, fragment = path.partition("#")
    joined = page + (_in_language().replace("?", "&") if "?" in page else _in_language())
    return joined + mark + fragment


def digest_message(digest: Digest):
    """One plain-text message: the changes of each followed thing, the unsubscribe link."""
    base = mail.public_url()
    body = [_("Hola:"), "",
            _("Esto cambió en lo que usted sigue en Mirador de Obras desde el último aviso."),
            ""]
    for (kind, key), events in digest.by_thing.items():
        body += [_heading(kind, key), "=" * min(70, len(_heading(kind, key)))]
        for event in events[:PER_THING]:
            text = describe(event)
            body += [f"- {text.title}", *([f"  {text.text}"] if text.text else []),
                     f"  {base}{_with_language(text.path)}"]
        if len(events) > PER_THING:
            body.append(_("  … y {n} cambios más: {url}", n=len(events) - PER_THING,
                          url=feed_url(kind, key)))
        body.append("")
    unsubscribe = unsubscribe_url(digest.unsubscribe)
    body += ["--", _("Recibe este correo porque confirmó que quiere seguir estas obras, áreas "
                     "o entidades."),
             _("Para dejar de recibir avisos y borrar su correo: {url}", url=unsubscribe)]
    subject = ngettext("Mirador de Obras: {n} cambio en lo que sigue",
                       "Mirador de Obras: {n} cambios en lo que sigue", digest.events)
    return mail.message(digest.email, subject, "\n".join(body), unsubscribe)


def confirmation_message(pending: Pending, kind: str, name: str, confirm_url: str):
    """The double opt-in's mail: nothing is sent to the address until it is opened."""
    unsubscribe = unsubscribe_url(pending.unsubscribe)
    thing = {"obra": _("la obra"), "area": _("la zona"), "entidad": _("la entidad")}[kind]
    body = [_("Hola:"), "",
            _("Alguien (esperamos que usted) pidió recibir por correo los cambios de {cosa} "
              "«{nombre}» en Mirador de Obras.", cosa=thing, nombre=name), "",
            _("Para confirmarlo, abra este enlace (vale 48 horas):"), confirm_url, "",
            _("Si no lo pidió, ignore este correo: no le enviaremos nada más."), "", "--",
            _("Para borrar su correo de Mirador de Obras: {url}", url=unsubscribe)]
    return mail.message(pending.email, _("Confirme que quiere seguir {nombre}", nombre=name[:80]),
                        "\n".join(body), unsubscribe)


def send_digests(comparison: changes.Comparison | None = None) -> DigestRun:
    """Mail the digests that are due (after `changes.compute`)."""
    run = DigestRun(comparison)
    try:
        config = mail.settings()
    except mail.MailError as exc:       # a malformed MIRADOR_SMTP_URL
        config, problem = None, str(exc)
    else:
        problem = mail.NOT_CONFIGURED
    if config is None:
        log.warning("%s", problem)
        run.lines.append(f"Resúmenes: no enviados. {problem}")
        return run
    upto, digests = subscriptions.due_digests()
    messages = {}
    for found in digests:
        with using(found.lang):          # the language the address subscribed in
            message = digest_message(found)
        messages[id(message)] = (found, message)
    try:
        refused = mail.send((m for _d, m in messages.values()), config)
    except mail.MailError as exc:
        log.error("%s", exc)
        run.failed = len(digests)
        run.lines.append(f"Resúmenes: no enviados ({exc}); se intentará en la próxima carga.")
        return run
    failed_ids = [messages[id(m)][0].subscriber_id for m, _why in refused]
    subscriptions.told_all(upto, failed_ids)
    run.sent, run.failed = len(digests) - len(failed_ids), len(failed_ids)
    run.lines.append(f"Resúmenes enviados: {run.sent:,}" +
                     (f", rechazados: {run.failed:,}" if run.failed else ""))
    return run


def run() -> DigestRun:
    """Compare, then send."""
    return send_digests(changes.compute())


def main(argv: list[str] | None = None) -> int:
    parser = Parser(prog="python -m geodata.digest",
                    description="Registra qué cambió desde la carga anterior y envía a cada "
                                "seguidor confirmado un resumen por correo.")
    parser.parse_args(argv)
    print(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
