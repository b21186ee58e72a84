from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError


def validate_avatar(file) -> None:
    """Accept only real images of an allowed format and size (the content, not the file name)."""
    from .app_settings import core_settings

    if file.size > core_settings.AVATAR_MAX_BYTES:
        limit = core_settings.AVATAR_MAX_BYTES // 1024
        raise ValidationError(f"Avatar must be at most {limit} KB.", code="too_large")
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        with Image.open(file) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError("Upload a valid image file.", code="invalid_image") from exc
    finally:
        if hasattr(file, "seek"):
            file.seek(position)
    if image_format not in core_settings.AVATAR_FORMATS:
        allowed = ", ".join(core_settings.AVATAR_FORMATS)
        raise ValidationError(f"Avatar must be one of: {allowed}.", code="bad_format")
