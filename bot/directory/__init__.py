"""The deployment's hospital directory (hospital.yml): clinics, departments, counselling."""

from bot.directory.config import (Directory, DirectoryError, current_directory, directory_path,
                                  load_directory)

__all__ = ["current_directory", "Directory", "DirectoryError", "directory_path", "load_directory"]
