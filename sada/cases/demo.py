"""Demo data for the closed loop: teams, SLA policies, alerts, conversations and cases.

Called by `sada demo` after interactions are written. Conversations are built in bulk
from the last month of support messages (each demo thread is one customer message and
at most the agent's reply, so threading needs no lookups): the agent who replied owns
it, each team and agent solves at its own pace, and solved ones get CSAT answers rated
by the customer's mood, the team and the wait, so per-agent figures have samples. Every
state shows (open, pending, solved, closed, reopened); SLA breaches come from the real
due times. Cases are opened from recent complaints (titles by key and parameters, so they
render in the viewer's language) and moved through every state, with each language team
performing differently; `sada.demo.cases` writes them in bulk with what the case service
writes for each (SLA, owner, link, history, notifications, the `case.*` events' jobs)."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.cases.models import CaseEvent, Conversation, ConversationItem, TeamMember
from sada.db.engine import Database
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.demo.bulk import fix_sequences, insert_rows, next_id
from sada.interactions.models import Interaction
from sada.tenants.models import Membership, User

if TYPE_CHECKING:
    from sada.demo.seed import DemoContext

TEAMS = {
    # language: (name, time zone, weekend days (0 = Monday), agent e-mail prefix)
    "fa": ("پشتیبانی فارسی", "Asia/Tehran", [4]),
    "ar": ("الدعم العربي", "Asia/Riyadh", [4, 5]),
    "zh": ("中文客服", "Asia/Shanghai", [5, 6]),
    "en": ("English support", "Europe/London", [5, 6]),
}
AGENT_LANGUAGE = {
    "sara.ahmadi": "fa",
    "reza.karimi": "fa",
    "layla.haddad": "ar",
    "omar.khalil": "ar",
    "li.wei": "zh",
    "wang.fang": "zh",
    "emma.clark": "en",
}
# The Persian team works split shifts (a lunch break) and a half day on Thursday, with the
# Nowruz holidays off: the team settings page shows them, business-hour SLAs count them.
TEAM_HOURS = {
    "fa": {
        "default": [["08:00", "12:00"], ["13:00", "17:00"]],
        "3": [["08:00", "12:00"]],
    },
}
TEAM_HOLIDAYS = {"fa": ["2027-03-21", "2027-03-22", "2027-03-23", "2027-03-24"]}

# Saved replies in the four languages, with the placeholders the inbox fills.
CANNED: dict[str, dict[str, str]] = {
    "greeting": {
        "en": "Hello {{first_name}}, thank you for contacting us. I am {{agent_name}} and I will "
        "look into this for you right away.",
        "ar": "مرحبًا {{first_name}}، شكرًا لتواصلك معنا. أنا {{agent_name}} وسأتابع طلبك على الفور.",
        "fa": "سلام {{first_name}}، از تماس شما سپاسگزاریم. من {{agent_name}} هستم و همین حالا "
        "موضوع را بررسی می‌کنم.",
        "zh": "{{first_name}}您好，感谢您联系我们。我是{{agent_name}}，马上为您处理这个问题。",
    },
    "delivery-delay": {
        "en": "Hi {{first_name}}, I am sorry your order is late. I have asked the courier for an "
        "update and will write again within 24 hours. Your reference is case {{case_id}}.",
        "ar": "مرحبًا {{first_name}}، نعتذر عن تأخر طلبك. طلبت من شركة الشحن تحديثًا وسأكتب لك "
        "خلال 24 ساعة. رقم المتابعة: {{case_id}}.",
        "fa": "سلام {{first_name}}، بابت تأخیر سفارشتان عذر می‌خواهیم. از شرکت پست پیگیری کردم و "
        "ظرف ۲۴ ساعت دوباره خبر می‌دهم. شماره پیگیری شما: {{case_id}}.",
        "zh": "{{first_name}}您好，很抱歉您的订单延误了。我已联系快递公司核实进度，会在24小时内回复您。"
        "您的工单号是{{case_id}}。",
    },
    "refund-issued": {
        "en": "Dear {{name}}, your refund has been issued today. Depending on your bank it can take "
        "3 to 5 working days to appear. — {{agent_name}}",
        "ar": "عزيزي {{name}}، تم إصدار المبلغ المسترد اليوم. قد يستغرق ظهوره في حسابك من 3 إلى 5 "
        "أيام عمل حسب البنك. — {{agent_name}}",
        "fa": "{{name}} گرامی، مبلغ شما امروز بازگردانده شد. بسته به بانک، ۳ تا ۵ روز کاری طول "
        "می‌کشد تا در حسابتان دیده شود. — {{agent_name}}",
        "zh": "{{name}}您好，您的退款已于今天办理。根据银行不同，到账需要3至5个工作日。——{{agent_name}}",
    },
    "need-order-number": {
        "en": "Thanks {{first_name}}. Could you send me your order number (it starts with SO-) so "
        "I can find it quickly?",
        "ar": "شكرًا {{first_name}}. هل يمكنك إرسال رقم الطلب (يبدأ بـ SO-) حتى أجده بسرعة؟",
        "fa": "ممنون {{first_name}}. لطفاً شماره سفارش را بفرستید (با SO- شروع می‌شود) تا سریع "
        "پیدایش کنم.",
        "zh": "谢谢{{first_name}}。请把您的订单号（以SO-开头）发给我，方便我尽快查到。",
    },
    "billing-correction": {
        "en": "Hello {{first_name}}, you were right: the invoice had a wrong charge. I have "
        "corrected it and sent you the new invoice. I am sorry for the trouble.",
        "ar": "مرحبًا {{first_name}}، معك حق: كانت في الفاتورة رسوم خاطئة. صحّحتها وأرسلت لك "
        "الفاتورة الجديدة. نعتذر عن الإزعاج.",
        "fa": "سلام {{first_name}}، حق با شماست: در صورتحساب مبلغ اشتباهی ثبت شده بود. آن را "
        "اصلاح کردم و صورتحساب جدید را برایتان فرستادم. بابت زحمت پیش‌آمده عذر می‌خواهیم.",
        "zh": "{{first_name}}您好，您说得对：发票上有一笔错误的费用。我已更正并把新发票发给您，"
        "给您带来不便，非常抱歉。",
    },
    "follow-up-closed": {
        "en": "Hi {{first_name}}, I am closing case {{case_id}} now that it is solved. If anything "
        "is still not right, just reply to this message and it reopens.",
        "ar": "مرحبًا {{first_name}}، سأغلق الحالة {{case_id}} بعد حلّها. إذا بقي أي شيء غير "
        "صحيح، فقط ردّ على هذه الرسالة وستُفتح من جديد.",
        "fa": "سلام {{first_name}}، پرونده {{case_id}} حل شد و آن را می‌بندم. اگر هنوز مشکلی "
        "هست، کافی است به همین پیام پاسخ دهید تا دوباره باز شود.",
        "zh": "{{first_name}}您好，工单{{case_id}}已解决，我现在将其关闭。如果还有任何问题，"
        "直接回复这条消息即可重新打开。",
    },
    "app-troubleshooting": {
        "en": "Sorry about the app trouble, {{first_name}}. Please update to the latest version, "
        "sign out and sign in again. If it still fails, send me a screenshot here.",
        "ar": "نأسف لمشكلة التطبيق يا {{first_name}}. يُرجى التحديث إلى أحدث إصدار ثم تسجيل الخروج "
        "والدخول مجددًا. إن استمرت المشكلة، أرسل لي لقطة شاشة هنا.",
        "fa": "{{first_name}} عزیز، بابت مشکل برنامه متأسفیم. لطفاً برنامه را به آخرین نسخه به‌روز "
        "کنید، یک بار خارج و دوباره وارد شوید. اگر باز هم مشکل بود، همین‌جا تصویر صفحه را بفرستید.",
        "zh": "{{first_name}}，很抱歉应用出现问题。请更新到最新版本，退出后重新登录。"
        "如果仍然不行，请在这里发一张截图给我。",
    },
}
ROOT_CAUSES = {
    "delivery": "logistics",
    "billing": "billing_error",
    "product_quality": "defect",
    "staff": "staff_behaviour",
    "app_website": "app_bug",
    "price": "pricing",
}


def seed_demo_cases(ctx: DemoContext) -> dict[str, int]:
    from sada.automation.defaults import ensure_default_rules
    from sada.cases import sla
    from sada.cases.assignment import do_add_member, do_create_team
    from sada.cases.canned import do_save_canned
    from sada.demo.cases import CaseSpec, write_cases

    db: Database = ctx.db
    rng = random.Random(ctx.rng.random())
    now: datetime = ctx.now
    with db.transaction(ctx.workspace_id) as session:
        ensure_default_rules(session)
        agents = session.execute(
            select(User.id, User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.role == "agent")
        ).all()
        team_ids: dict[str, int] = {}
        for lang, (name, tz, weekend) in TEAMS.items():
            team = do_create_team(
                session,
                {
                    "name": name,
                    "timezone": tz,
                    "weekend_days": weekend,
                    "assignment": "round_robin",
                    "languages": [lang],
                    "holidays": TEAM_HOLIDAYS.get(lang, []),
                    "hours": TEAM_HOURS.get(lang, {}),
                    "channels": [],
                },
            )
            team_ids[lang] = team.id
            for user_id, email in agents:
                if AGENT_LANGUAGE.get(email.split("@")[0]) == lang:
                    do_add_member(session, team.id, user_id, online=True)
        policies: list[dict[str, Any]] = [
            {
                "name": "Social media: 30 minutes",
                "position": 10,
                "channels": ["social"],
                "first_response_minutes": 30,
                "resolution_minutes": 24 * 60,
                "warn_before_minutes": 10,
            },
            {
                "name": "Chat: 15 minutes",
                "position": 20,
                "channels": ["chat", "whatsapp", "telegram", "sms"],
                "first_response_minutes": 15,
                "resolution_minutes": 8 * 60,
                "warn_before_minutes": 5,
            },
            {
                "name": "Email: 4 hours",
                "position": 30,
                "channels": ["email", "web"],
                "first_response_minutes": 240,
                "resolution_minutes": 48 * 60,
                "warn_before_minutes": 60,
            },
        ]
        for policy in policies:
            sla.do_create_policy(session, policy)
        for key, bodies in CANNED.items():
            do_save_canned(session, key, bodies)
    # Conversations from the last month of support messages, written in bulk: each demo
    # thread is one customer message and at most one agent reply, so threading is known
    # without the per-message lookups of `attach_interactions` (which ingest uses).
    with db.transaction(ctx.workspace_id) as session:
        conversations = _bulk_conversations(session, ctx, rng, team_ids)
        sla.check(session, now)
    with db.reader(ctx.workspace_id) as session:
        complaints = session.execute(
            select(
                Interaction.id, Interaction.person_id, Interaction.channel, Interaction.attributes
            )
            .where(
                Interaction.type == "complaint", Interaction.occurred_at >= now - timedelta(days=60)
            )
            .order_by(Interaction.occurred_at)
        ).all()
    language_of = {p.id: p.language for p in ctx.people}
    # Teams differ: the Persian team closes fast, the Arabic one lags.
    close_rate = {"fa": 0.75, "ar": 0.45, "zh": 0.65, "en": 0.6}
    specs: list[CaseSpec] = []
    for interaction_id, person_id, channel, attributes in rng.sample(
        complaints, min(240, len(complaints))
    ):
        lang = language_of.get(person_id or 0, "en")
        topic = (attributes or {}).get("topic_hint", "delivery")
        spec = CaseSpec(
            create={
                "title": f"{topic.replace('_', ' ').title()} complaint",
                "title_key": "complaint",
                "title_params": {"topic": topic},
                "person_id": person_id,
                "priority": rng.choice(["normal", "normal", "high", "urgent", "low"]),
                "team_id": team_ids.get(lang),
                "due_hours": 48,
                "root_cause": ROOT_CAUSES.get(topic),
                "tags": [topic, lang],
                "interaction_ids": [interaction_id],
                "channel": channel,
                "source": "demo",
                "dedupe_key": f"demo-case-{interaction_id}",
            }
        )
        roll = rng.random()
        if roll < close_rate[lang]:
            spec.updates.append({"status": "in_progress", "contacted": True})
            spec.updates.append(
                {
                    "status": "resolved",
                    "resolution": "Customer contacted; refund or re-delivery arranged.",
                }
            )
            if rng.random() < 0.5:
                spec.updates.append({"status": "closed"})
            elif rng.random() < 0.15:
                spec.updates.append({"status": "open"})  # reopened
        elif roll < close_rate[lang] + 0.15:
            spec.updates.append({"status": "in_progress", "contacted": rng.random() < 0.5})
        specs.append(spec)
    # One transaction, set-based: what the case service writes for each case (SLA, owner,
    # link, history, notifications, the `case.*` events' jobs), without its per-call queries.
    with db.transaction(ctx.workspace_id) as session:
        cases = write_cases(session, specs)
    return {"conversations": conversations, "cases": cases}


# How each team works: median hours from the first reply to solved, and how customers
# rate it (added to the person's mood). Each agent is a little faster or warmer than
# the team (a fixed draw per agent), so per-agent figures differ too.
TEAM_RESOLUTION_HOURS = {"fa": 3.0, "ar": 16.0, "zh": 6.0, "en": 9.0}
TEAM_CSAT_BONUS = {"fa": 0.35, "ar": -0.35, "zh": 0.15, "en": 0.0}
CONVERSATION_DAYS = 30
CSAT_RESPONSE_RATE = 0.6


def _bulk_conversations(
    session: Session, ctx: DemoContext, rng: random.Random, team_ids: dict[str, int]
) -> int:
    """Conversations, their items, history and CSAT answers, in executemany batches."""
    from sada.cases import sla

    now: datetime = ctx.now
    workspace_id = bound_workspace(session)
    members: dict[int, list[int]] = defaultdict(list)
    for member_team, user_id in session.execute(
        select(TeamMember.team_id, TeamMember.user_id).order_by(TeamMember.user_id)
    ).all():
        members[member_team].append(user_id)
    style = {
        user_id: (rng.uniform(0.7, 1.5), rng.uniform(-0.4, 0.4))  # speed factor, warmth
        for ids in members.values()
        for user_id in ids
    }
    policy_of: dict[str, Any] = {}
    rows = session.execute(
        select(
            Interaction.id,
            Interaction.person_id,
            Interaction.channel,
            Interaction.conversation_id,
            Interaction.direction,
            Interaction.occurred_at,
            Interaction.subject,
            Interaction.language,
            Interaction.agent_id,
        )
        .where(
            Interaction.conversation_id.is_not(None),
            Interaction.origin != "system",
            Interaction.occurred_at >= now - timedelta(days=CONVERSATION_DAYS),
        )
        .order_by(Interaction.occurred_at, Interaction.id)
    ).all()
    threads: dict[str, list[Any]] = {}
    for row in rows:
        threads.setdefault(f"{row.channel}:{row.conversation_id}", []).append(row)
    conversations: list[dict[str, Any]] = []
    items: list[list[Any]] = []
    csat: list[dict[str, Any]] = []
    cursor: dict[int, int] = defaultdict(int)
    stamp = utcnow()
    for key, thread in threads.items():
        first = thread[0]
        if first.direction != "inbound":
            continue  # the customer's message is older than the window
        reply = next((r for r in thread if r.direction == "outbound"), None)
        lang = (first.language or "en").split("-")[0]
        team_id = team_ids.get(lang)
        assignee: int | None = reply.agent_id if reply is not None else None
        if assignee is None and team_id is not None and members[team_id] and rng.random() < 0.6:
            team_members = members[team_id]
            assignee = team_members[cursor[team_id] % len(team_members)]
            cursor[team_id] += 1
        if first.channel not in policy_of:
            policy_of[first.channel] = sla.match_policy(
                session, channel=first.channel, priority="normal", audience=None, segment=None
            )
        policy = policy_of[first.channel]
        opened: datetime = first.occurred_at
        conv: dict[str, Any] = {
            "workspace_id": workspace_id,
            "thread_key": key[:400],
            "person_id": first.person_id,
            "channel": first.channel,
            "subject": first.subject,
            "language": first.language,
            "status": "open",
            "priority": rng.choices(["normal", "high", "urgent", "low"], [70, 15, 5, 10])[0],
            "tags": [],
            "assignee_id": assignee,
            "team_id": team_id,
            "opened_at": opened,
            "last_message_at": thread[-1].occurred_at,
            "first_response_at": reply.occurred_at if reply is not None else None,
            "solved_at": None,
            "closed_at": None,
            "reopen_count": 0,
            "sla_policy_id": policy.id if policy is not None else None,
            "first_response_due_at": (
                opened + timedelta(minutes=policy.first_response_minutes)
                if policy is not None and policy.first_response_minutes is not None
                else None
            ),
            "resolution_due_at": (
                opened + timedelta(minutes=policy.resolution_minutes)
                if policy is not None and policy.resolution_minutes is not None
                else None
            ),
            "paused_at": None,
            "paused_minutes": 0.0,
            "snoozed_until": None,
            "created_at": stamp,
            "updated_at": stamp,
        }
        events: list[tuple[datetime, str, str, dict[str, Any]]] = [
            (opened, "ingest", "created", {"interaction_id": first.id})
        ]
        if assignee is not None:
            events.append((opened, "routing", "assigned", {"user_id": assignee}))
        if reply is not None:
            speed, warmth = style.get(assignee or 0, (1.0, 0.0))
            hours = TEAM_RESOLUTION_HOURS.get(lang, 8.0) * speed * rng.lognormvariate(0, 0.8)
            solved = reply.occurred_at + timedelta(hours=hours)
            recent = reply.occurred_at > now - timedelta(days=2)
            if solved <= now and not (recent and rng.random() < 0.5):
                conv["solved_at"] = solved
                conv["status"] = "solved"
                events.append((solved, "agent", "status", {"from": "open", "to": "solved"}))
                if rng.random() < 0.05:  # the customer wrote again: reopened
                    conv.update(status="open", solved_at=None, reopen_count=1)
                    events.append((solved, "customer", "reopened", {}))
                elif solved + timedelta(days=3) <= now:
                    conv["status"] = "closed"
                    conv["closed_at"] = solved + timedelta(days=3)
                    events.append(
                        (conv["closed_at"], "system", "status", {"from": "solved", "to": "closed"})
                    )
                if conv["solved_at"] is not None and rng.random() < CSAT_RESPONSE_RATE:
                    answered = solved + timedelta(hours=rng.uniform(0.1, 30))
                    if answered <= now:
                        mood = ctx.moods.get(first.person_id or 0, 0.0)
                        slow = math.log2(max(hours, 0.25) / 4)
                        stars = 3.8 + mood + warmth + TEAM_CSAT_BONUS.get(lang, 0.0) - 0.2 * slow
                        csat.append(
                            _csat_row(
                                workspace_id,
                                first,
                                answered,
                                max(1, min(5, round(stars + rng.gauss(0, 0.6)))),
                            )
                        )
            elif rng.random() < 0.6:  # waiting for the customer's answer
                conv["status"] = "pending"
                conv["paused_at"] = reply.occurred_at
                events.append(
                    (reply.occurred_at, "agent", "status", {"from": "open", "to": "pending"})
                )
        conversations.append(conv)
        items.append([(r.id, r.direction, r.occurred_at) for r in thread])
        items[-1].append(events)
    if not conversations:
        return 0
    # Explicit ids, rows straight to the driver (`sada.demo.bulk`): no per-row ORM work.
    first_id = next_id(session, Conversation)
    ids = list(range(first_id, first_id + len(conversations)))
    for conversation_id, conv in zip(ids, conversations, strict=True):
        conv["id"] = conversation_id
    insert_rows(session, Conversation.__table__, conversations)  # type: ignore[arg-type]
    fix_sequences(session, ["conversations"])
    item_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    for conversation_id, parts in zip(ids, items, strict=True):
        *messages, events = parts
        for interaction_id, direction, at in messages:
            item_rows.append(
                {
                    "workspace_id": workspace_id,
                    "conversation_id": conversation_id,
                    "interaction_id": interaction_id,
                    "message_id": None,
                    "direction": direction,
                    "at": at,
                }
            )
        for at, label, kind, details in events:
            event_rows.append(
                {
                    "workspace_id": workspace_id,
                    "conversation_id": conversation_id,
                    "case_id": None,
                    "at": at,
                    "actor_label": label,
                    "kind": kind,
                    "details": details,
                }
            )
    for table, batch in (
        (ConversationItem, item_rows),
        (CaseEvent, event_rows),
        (Interaction, csat),
    ):
        insert_rows(session, table.__table__, batch)  # type: ignore[arg-type]
    return len(ids)


def _csat_row(workspace_id: int, first: Any, at: datetime, stars: int) -> dict[str, Any]:
    """The customer's CSAT answer after a solved conversation (a survey response)."""
    return {
        "workspace_id": workspace_id,
        "person_id": first.person_id,
        "anonymous_id": None,
        "occurred_at": at,
        "received_at": at + timedelta(seconds=2),
        "channel": first.channel,
        "touchpoint_id": None,
        "direction": "inbound",
        "type": "survey_response",
        "subject": None,
        "text": None,
        "language": first.language,
        "rating": float(stars),
        "rating_scale": "csat5",
        "agent_id": None,
        "conversation_id": None,
        "attributes": {"asked_after": "conversation", "thread": first.conversation_id},
        "source": "demo",
        "external_id": f"csat-{first.id}",
        "origin": "customer",
        "backfill": True,
    }
