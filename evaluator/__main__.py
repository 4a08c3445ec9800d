from . import command_line

command_line()
