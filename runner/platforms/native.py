"""The native platform: agents run as plain processes of this Linux machine."""

from . import Platform

PLATFORM = Platform
