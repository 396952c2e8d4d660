"""What BDA staff see: lead posts, /leads, /stats, /misses, the exports and the help desk's posts.

One module per idea: ``common`` (Beijing time, buttons, states), ``leads`` (lead post, /leads,
follow-up), ``figures`` (/stats, /misses), ``export`` (CSV, XLSX), ``desk_posts`` (questions passed
to staff, office hours), ``faq_cards`` (the FAQ staff write). Texts are in the ``staff`` catalogue.
"""

from bot.staff.common import (
    BEIJING,
    DESK_COMMANDS,
    EXPORT_LIMIT,
    LEAD_STATES,
    LEADS_SHOWN,
    QUESTION_ACTIONS,
    QUESTION_STATUS,
    STAFF_COMMANDS,
    PostView,
    StaffButton,
    lead_state_label,
    question_status_label,
)
from bot.staff.desk_posts import OfficeHours, answer_for_user, question_post, questions_text, reminder_text
from bot.staff.export import EXPORT_COLUMNS, export_csv, export_rows, export_xlsx
from bot.staff.faq_cards import faq_card, faq_list
from bot.staff.figures import desk_lines, misses_text, stats_text
from bot.staff.leads import (
    LEAD_STATE_WORDS,
    LeadFilter,
    follow_summary,
    lead_payload,
    lead_post,
    lead_state_of,
    lead_usage,
    lead_view,
    leads_text,
    parse_lead_filter,
)

__all__ = [
    "BEIJING",
    "DESK_COMMANDS",
    "EXPORT_COLUMNS",
    "EXPORT_LIMIT",
    "LEADS_SHOWN",
    "LEAD_STATES",
    "LEAD_STATE_WORDS",
    "QUESTION_ACTIONS",
    "QUESTION_STATUS",
    "STAFF_COMMANDS",
    "LeadFilter",
    "OfficeHours",
    "PostView",
    "StaffButton",
    "answer_for_user",
    "desk_lines",
    "export_csv",
    "export_rows",
    "export_xlsx",
    "faq_card",
    "faq_list",
    "follow_summary",
    "lead_payload",
    "lead_post",
    "lead_state_label",
    "lead_state_of",
    "lead_usage",
    "lead_view",
    "leads_text",
    "misses_text",
    "parse_lead_filter",
    "question_post",
    "question_status_label",
    "questions_text",
    "reminder_text",
    "stats_text",
]
