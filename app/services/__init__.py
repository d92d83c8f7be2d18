"""Operations shared by the API and the web pages, so both apply the same rules."""
