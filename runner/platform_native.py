"""The native platform: agents run as plain processes of this Linux machine."""

from .platforms import Platform

PLATFORM = Platform
