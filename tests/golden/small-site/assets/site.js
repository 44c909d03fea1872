window.QBANK_SITE={"identity":"251a783f87cb"};
