from django import forms
from django.contrib.auth import authenticate, get_user_model, password_validation
from django.forms.utils import ErrorDict

from .compat import mark_invalid_fields
from .models import Role

User = get_user_model()

INPUT = (
    "mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm "
    "focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200 "
    # Django sets aria-invalid on a field with errors: the box turns red next to its message.
    "aria-[invalid=true]:border-rose-400 aria-[invalid=true]:focus:ring-rose-200"
)


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.RadioSelect):
                field.widget.attrs.setdefault("class", INPUT)

    def add_error(self, field, error):
        super().add_error(field, error)
        mark_invalid_fields(self)

    def refuse(self, message: str) -> None:
        """Show only ``message`` above the fields, without validating anything: a throttled
        request learns nothing about the input (whether an email is taken, a password right)."""
        self._errors = ErrorDict()
        self.cleaned_data = {}
        self.add_error(None, message)


# The sign-up role cards: what each choice is called and what it means, in the user's words.
ROLE_CHOICES = [
    (Role.MENTOR, "Teach — I'm a mentor"),
    (Role.LEARNER, "Learn — I'm a learner"),
]
ROLE_HINTS = {
    Role.MENTOR: "Run live group sessions, take requests and get paid to UPI.",
    Role.LEARNER: "Book live sessions with mentors and ask for the topics you need.",
}


class SignupForm(StyledForm):
    # No initial value: the choice decides which dashboard the account gets, so the user makes it.
    role = forms.ChoiceField(
        choices=ROLE_CHOICES,
        widget=forms.RadioSelect,
        label="I'm here to",
        error_messages={"required": "Choose whether you're here to teach or to learn."},
    )
    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def role_cards(self):
        """The role radios with the one-line explanation of each, for the template."""
        return [(radio, ROLE_HINTS[radio.data["value"]]) for radio in self["role"]]

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("A user with this email already exists.")
        return email

    def clean(self):
        data = super().clean()
        if data.get("password"):
            # Checked even when the email has its own error, so every error shows at once.
            email = data.get("email") or self.data.get("email", "")
            candidate = User(email=email, name=data.get("name", ""))
            try:
                password_validation.validate_password(data["password"], candidate)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class LoginForm(StyledForm):
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("email") and data.get("password"):
            self.user = authenticate(
                self.request, username=data["email"], password=data["password"]
            )
            if self.user is None:
                # Shown under the password, where the user will retype; the email stays filled in.
                self.add_error("password", "Email or password is not right.")
        return data
