from django import forms
from django.contrib.auth import authenticate, get_user_model, password_validation

from .models import Role

User = get_user_model()

INPUT = (
    "mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm "
    "focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
)


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.RadioSelect):
                field.widget.attrs.setdefault("class", INPUT)


class SignupForm(StyledForm):
    name = forms.CharField(max_length=120)
    email = forms.EmailField(max_length=254)
    password = forms.CharField(widget=forms.PasswordInput, max_length=128)
    role = forms.ChoiceField(choices=Role.choices, widget=forms.RadioSelect, initial=Role.LEARNER)

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("A user with this email already exists.")
        return email

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("email"):
            candidate = User(email=data["email"], name=data.get("name", ""))
            try:
                password_validation.validate_password(data["password"], candidate)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class LoginForm(StyledForm):
    email = forms.EmailField(max_length=254)
    password = forms.CharField(widget=forms.PasswordInput, max_length=128)

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
                raise forms.ValidationError("Email or password is not right.")
        return data
