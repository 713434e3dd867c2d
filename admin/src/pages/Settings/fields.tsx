/** Small field wrappers so that every input on the page has a label, a hint and its error. */
import * as React from 'react';
import {
  Field,
  NumberInput,
  SingleSelect,
  SingleSelectOption,
  TextInput,
} from '@strapi/design-system';

interface BaseProps {
  name: string;
  label: string;
  hint?: React.ReactNode;
  error?: string;
  disabled?: boolean;
  required?: boolean;
}

export function TextField({
  value,
  onChange,
  type = 'text',
  placeholder,
  endAction,
  ...field
}: BaseProps & {
  value: string;
  onChange: (value: string) => void;
  type?: 'text' | 'password' | 'url';
  placeholder?: string;
  endAction?: React.ReactNode;
}) {
  return (
    <Field.Root name={field.name} error={field.error} hint={field.hint} required={field.required}>
      <Field.Label>{field.label}</Field.Label>
      <TextInput
        type={type}
        value={value}
        placeholder={placeholder}
        disabled={field.disabled}
        endAction={endAction}
        autoComplete={type === 'password' ? 'new-password' : 'off'}
        onChange={(event: React.ChangeEvent<HTMLInputElement>) => onChange(event.target.value)}
      />
      <Field.Hint />
      <Field.Error />
    </Field.Root>
  );
}

/** A number; emptied, it gives null (the form says whether that is allowed). */
export function NumberField({
  value,
  onChange,
  step,
  placeholder,
  ...field
}: BaseProps & {
  value: number | null;
  onChange: (value: number | null) => void;
  step?: number;
  placeholder?: string;
}) {
  return (
    <Field.Root name={field.name} error={field.error} hint={field.hint} required={field.required}>
      <Field.Label>{field.label}</Field.Label>
      <NumberInput
        value={value ?? undefined}
        step={step}
        placeholder={placeholder}
        disabled={field.disabled}
        onValueChange={(next: number | undefined) => onChange(next ?? null)}
      />
      <Field.Hint />
      <Field.Error />
    </Field.Root>
  );
}

export interface Option {
  value: string;
  label: string;
}

export function SelectField({
  value,
  onChange,
  options,
  placeholder,
  ...field
}: BaseProps & {
  value: string;
  onChange: (value: string) => void;
  options: Option[];
  placeholder?: string;
}) {
  return (
    <Field.Root name={field.name} error={field.error} hint={field.hint} required={field.required}>
      <Field.Label>{field.label}</Field.Label>
      <SingleSelect
        value={value || undefined}
        placeholder={placeholder}
        disabled={field.disabled}
        onChange={(next: string | number) => onChange(String(next))}
      >
        {options.map((option) => (
          <SingleSelectOption key={option.value} value={option.value}>
            {option.label}
          </SingleSelectOption>
        ))}
      </SingleSelect>
      <Field.Hint />
      <Field.Error />
    </Field.Root>
  );
}
