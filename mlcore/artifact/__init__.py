"""A model artifact: its typed card, its folder's files, installed versions and the active one."""
