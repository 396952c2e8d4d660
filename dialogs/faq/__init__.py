"""Questions and answers about 京技管发〔2025〕11号: entries from the rule data and faq.yaml, matched in users' words.

Modules, each of one idea:

- ``entry``: what the FAQ hands out (``FaqEntry``, ``FaqMatch``, ``FaqDataError``);
- ``authored``: faq.yaml read and checked; ``generated``: the four entries built per measure;
- ``words``: synonyms and filler words; ``normalise``: text as the matcher compares it;
- ``index``: the search index and ranking; ``match``: answer, suggest or unknown, questions in parts;
- ``store``: the knowledge base in use (released + staff entries);
- ``question``: does typed text read as a question; ``answer``: an entry as the user reads it.
"""

from dialogs.faq.answer import answer_texts, format_answer, part_offer_prompt
from dialogs.faq.authored import FAQ_PATH, check_markup
from dialogs.faq.entry import FaqDataError, FaqEntry, FaqMatch
from dialogs.faq.match import Faq
from dialogs.faq.normalise import normalise
from dialogs.faq.question import looks_like_question
from dialogs.faq.store import build_faq, load_faq, use_extra_entries

# The name dialogs/staff_faq.py imports (it checks staff answers like faq.yaml's).
_check_markup = check_markup

__all__ = [
    "FAQ_PATH",
    "Faq",
    "FaqDataError",
    "FaqEntry",
    "FaqMatch",
    "answer_texts",
    "build_faq",
    "check_markup",
    "format_answer",
    "load_faq",
    "looks_like_question",
    "normalise",
    "part_offer_prompt",
    "use_extra_entries",
]
