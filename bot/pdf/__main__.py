"""Write the PDF of a profile file: python -m bot.pdf PROFILE.json OUT.pdf [en] [YYYY-MM-DD]."""

from bot.pdf import debug_main

debug_main()
